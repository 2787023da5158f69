-- The WhatsApp inbox: every inbound webhook event, stored before the webhook is answered, once per event
-- (redeliveries are recognised by their key), processed afterwards in order per contact (SQLite).
-- Kept in step with ../postgres/0002_inbox.sql.

CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL CONSTRAINT inbox_event_key UNIQUE,
    kind TEXT NOT NULL,
    contact TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX inbox_pending ON inbox (contact, id) WHERE processed_at IS NULL;
