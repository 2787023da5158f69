-- Officials' accounts, their sessions and API tokens (stored as SHA-256 of the secret), the audit log, and the
-- lists uploaded through the dashboard with their rejected-row reports (SQLite).
-- Kept in step with ../postgres/0005_dashboard.sql.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT users_name_key UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    district TEXT,
    block TEXT,
    lang TEXT NOT NULL DEFAULT 'hi',
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    ip TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target, at);

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
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
    finished_at BIGINT
);
CREATE INDEX uploads_place ON uploads (district, block, id);

CREATE INDEX service_requests_created ON service_requests (created_at);

-- Dashboard lists page through a district or a block in id order: these indexes give that order directly (the
-- old (district, block) index made SQLite sort a whole district for every page).
DROP INDEX workers_place_idx;
CREATE INDEX workers_district_id ON workers (district, id);
CREATE INDEX workers_place_id ON workers (district, block, id);
-- Name and phone searches scan these narrow indexes, not whole rows.
CREATE INDEX workers_district_name ON workers (district, name);
CREATE INDEX workers_district_phone ON workers (district, phone);
