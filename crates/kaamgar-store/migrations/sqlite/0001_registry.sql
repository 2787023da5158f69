-- The worker registry, its change sequence, import runs, erasures and the LGD codes (SQLite).
-- Kept in step with ../postgres/0001_registry.sql: same tables, columns and constraint names.

CREATE TABLE change_seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);

CREATE TABLE workers (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL CONSTRAINT workers_phone_key UNIQUE,
    name TEXT NOT NULL,
    gender TEXT,
    age BIGINT,
    trade TEXT NOT NULL,
    other_trades TEXT NOT NULL,
    experience_years BIGINT,
    village TEXT,
    panchayat TEXT,
    block TEXT,
    block_lgd BIGINT,
    district TEXT NOT NULL,
    district_lgd BIGINT,
    state TEXT NOT NULL,
    pin BIGINT,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    place_precision TEXT NOT NULL,
    languages TEXT NOT NULL,
    availability TEXT NOT NULL,
    source TEXT NOT NULL,
    consent_at BIGINT NOT NULL,
    consent_method TEXT NOT NULL,
    verified BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    content_hash BIGINT NOT NULL,
    import_run BIGINT,
    import_line BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    deleted_at BIGINT,
    erased_at BIGINT
);
CREATE INDEX workers_seq_idx ON workers (seq);
CREATE INDEX workers_place_idx ON workers (district, block);

CREATE TABLE worker_trades (
    worker_id BIGINT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    trade TEXT NOT NULL,
    is_primary BIGINT NOT NULL,
    CONSTRAINT worker_trades_pkey PRIMARY KEY (worker_id, trade)
);
CREATE INDEX worker_trades_trade_idx ON worker_trades (trade, worker_id);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_inserted BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    rows_empty BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE erasures (
    phone_hash TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);

CREATE TABLE lgd_states (
    code BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE lgd_districts (
    code BIGINT PRIMARY KEY,
    state_code BIGINT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE lgd_subdistricts (
    code BIGINT PRIMARY KEY,
    district_code BIGINT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE lgd_blocks (
    code BIGINT PRIMARY KEY,
    district_code BIGINT NOT NULL,
    name TEXT NOT NULL
);
