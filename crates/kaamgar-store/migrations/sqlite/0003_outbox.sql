-- The WhatsApp outbox: every message kaamgar sends is written here first (in the same transaction as the change
-- that caused it), then sent by a worker with retries and backoff; Meta's message id and delivery statuses are kept
-- with it (SQLite). Kept in step with ../postgres/0003_outbox.sql.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    contact TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    claimed_at BIGINT,
    sent_at BIGINT,
    wamid TEXT CONSTRAINT outbox_wamid UNIQUE,
    delivery TEXT,
    error_code BIGINT,
    error TEXT
);
CREATE INDEX outbox_due ON outbox (next_at, id) WHERE state = 'queued';
