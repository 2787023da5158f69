-- Hardening: erasure entries keyed with the server's secret (rows from earlier versions are re-keyed at start,
-- keyed = 0 until then) and the fingerprints of the server's keys.
ALTER TABLE erasures ADD COLUMN keyed BIGINT NOT NULL DEFAULT 0;
CREATE TABLE secret_checks (
    name TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
);

-- Timed jobs that fail are retried with backoff and set aside (dead) after their last attempt, so one failing
-- job never holds up the others.
ALTER TABLE bot_jobs ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bot_jobs ADD COLUMN last_error TEXT;
ALTER TABLE bot_jobs ADD COLUMN dead_at BIGINT;
DROP INDEX bot_jobs_due;
CREATE INDEX bot_jobs_due ON bot_jobs (due_at, id) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX bot_jobs_dead ON bot_jobs (dead_at) WHERE dead_at IS NOT NULL;

-- Rows imported with a warning (a doubtful value kept or left empty), counted apart from rejected rows.
ALTER TABLE import_runs ADD COLUMN rows_warned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN rows_warned BIGINT NOT NULL DEFAULT 0;

-- Uploads from the command line are listed with the dashboard's: the uploader may be no account (`kaamgar import`
-- run by the server's operator). SQLite cannot drop NOT NULL in place, so the table is rebuilt.
CREATE TABLE uploads_new (
    id INTEGER PRIMARY KEY,
    user_id BIGINT REFERENCES users (id),
    district TEXT,
    block TEXT,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    run_id BIGINT,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_inserted BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    rows_empty BIGINT NOT NULL DEFAULT 0,
    message TEXT,
    report TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    rows_warned BIGINT NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT 'dashboard'
);
INSERT INTO uploads_new (id, user_id, district, block, file_name, status, run_id, rows_total, rows_inserted,
    rows_updated, rows_unchanged, rows_rejected, rows_empty, message, report, created_at, finished_at, rows_warned)
SELECT id, user_id, district, block, file_name, status, run_id, rows_total, rows_inserted, rows_updated,
    rows_unchanged, rows_rejected, rows_empty, message, report, created_at, finished_at, rows_warned FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_new RENAME TO uploads;
CREATE INDEX uploads_place ON uploads (district, block, id);
