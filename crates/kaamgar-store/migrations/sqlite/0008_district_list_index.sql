-- One index serves the district's worker list and its name search: (district, id, name). Imported workers get
-- rising ids, so every new row is appended at the end of its district's run of this index instead of being
-- inserted at a random place of (district, name), which was the costliest index of an import. A name search is a
-- substring search (LIKE '%…%'), which no index can seek: it scans the district's narrow index entries, checking the
-- name in the index and reading only the matching rows, in id order, so a page stops as soon as it is full.
-- Kept in step with ../postgres/0008_district_list_index.sql.
CREATE INDEX workers_district_id_name ON workers (district, id, name);
DROP INDEX workers_district_id;
DROP INDEX workers_district_name;
