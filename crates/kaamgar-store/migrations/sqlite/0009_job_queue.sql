-- One job queue for every capability's timed and background work (lead expiry and follow-ups today; grievance
-- deadlines, toolkit calls and case reviews later), in place of the bot's own `bot_jobs`. A job is unique by
-- (kind, subject); pending and dead jobs move over, finished ones are not kept. Kept in step with
-- ../postgres/0009_job_queue.sql.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    subject BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    dead_at BIGINT,
    done_at BIGINT,
    -- Raised by every claim and every new schedule: a run finishes or fails its job only while no other claim or
    -- schedule came after its own.
    claim BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT jobs_once UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (due_at, id) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX jobs_dead ON jobs (dead_at) WHERE dead_at IS NOT NULL;

INSERT INTO jobs (id, kind, subject, due_at, attempts, last_error, dead_at)
    SELECT id, kind, ref_id, due_at, attempts, last_error, dead_at FROM bot_jobs WHERE done_at IS NULL;
DROP TABLE bot_jobs;
