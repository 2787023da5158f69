-- Kept in step with ../sqlite/0007_speed_and_fairness.sql. SQLite drops its (district, phone) index there and
-- rebuilds worker_trades WITHOUT ROWID; here the index stays: a PostgreSQL index does not carry the row id, so a
-- phone-digit search needs (district, phone) to avoid reading the district's rows. Nothing changes here.
SELECT 1;
