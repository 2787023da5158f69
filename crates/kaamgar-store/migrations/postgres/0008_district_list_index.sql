-- Kept in step with ../sqlite/0008_district_list_index.sql, where (district, id) and (district, name) become one
-- appended index (district, id, name) to speed up imports. PostgreSQL keeps both: its name search uses
-- LOWER(name), and its imports are bounded by other work (docs/PERFORMANCE.md). Nothing changes here.
SELECT 1;
