-- The bot: contacts and their conversation state, service requests with every offer made for them, contact
-- exchanges (who got whose number, when) and timed jobs (lead expiry, follow-ups) (SQLite).
-- Kept in step with ../postgres/0004_bot.sql.

CREATE TABLE contacts (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    wa_id TEXT,
    user_id TEXT,
    phone_number_id TEXT,
    name TEXT,
    state TEXT NOT NULL,
    opted_out BIGINT NOT NULL DEFAULT 0,
    worker_id BIGINT,
    last_inbound_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_wa_id ON contacts (wa_id);
CREATE INDEX contacts_worker ON contacts (worker_id);

CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY,
    citizen TEXT NOT NULL,
    citizen_phone TEXT,
    channel TEXT NOT NULL,
    trade TEXT NOT NULL,
    place_name TEXT NOT NULL,
    district TEXT NOT NULL,
    block TEXT,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    candidates TEXT NOT NULL DEFAULT '[]',
    worker_id BIGINT,
    rating BIGINT,
    note TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    accepted_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX service_requests_status ON service_requests (status, id);
CREATE INDEX service_requests_citizen ON service_requests (citizen, id);
CREATE INDEX service_requests_district ON service_requests (district, created_at);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    worker_id BIGINT NOT NULL,
    rank BIGINT NOT NULL,
    status TEXT NOT NULL,
    offered_at BIGINT NOT NULL,
    answered_at BIGINT,
    CONSTRAINT offers_once UNIQUE (request_id, worker_id)
);
CREATE INDEX offers_worker ON offers (worker_id, offered_at);

CREATE TABLE contact_exchanges (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    worker_id BIGINT NOT NULL,
    citizen TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE bot_jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    done_at BIGINT,
    CONSTRAINT bot_jobs_once UNIQUE (kind, ref_id)
);
CREATE INDEX bot_jobs_due ON bot_jobs (due_at, id) WHERE done_at IS NULL;

-- A template to send instead when Meta says the 24-hour window is closed (131047).
ALTER TABLE outbox ADD COLUMN fallback TEXT;
CREATE INDEX outbox_contact ON outbox (contact, id);
CREATE INDEX inbox_contact ON inbox (contact, id);
