-- The dashboard's search and counts, kept by following the change sequence (search_index.rs), not by the writers:
-- imports stay as fast as they were, and the index catches up before a search and in the background.
--   worker_search  one row per word of a worker's name, village and panchayat, by its phonetic skeleton, so
--                  "Ranjeet" finds "रंजीत" through an index (a prefix range on `key`, compared bytewise);
--   worker_facets  what each worker last added to the counts, to take it back when they change;
--   worker_tally   workers counted by district, block, trade (primary or not), availability, verification and
--                  source: a list's true total is a sum over a few rows;
--   index_state    how far the change sequence has been followed (seq, id).
-- (SQLite; kept in step with ../postgres/0011_search_index.sql.)
CREATE TABLE worker_search (
    key TEXT NOT NULL,
    worker_id BIGINT NOT NULL,
    CONSTRAINT worker_search_pkey PRIMARY KEY (key, worker_id)
) WITHOUT ROWID;
CREATE INDEX worker_search_worker ON worker_search (worker_id);

CREATE TABLE worker_facets (
    worker_id BIGINT NOT NULL CONSTRAINT worker_facets_pkey PRIMARY KEY,
    district TEXT NOT NULL,
    block TEXT NOT NULL,
    trades TEXT NOT NULL,
    availability TEXT NOT NULL,
    verified BIGINT NOT NULL,
    source TEXT NOT NULL
);

CREATE TABLE worker_tally (
    district TEXT NOT NULL,
    block TEXT NOT NULL,
    trade TEXT NOT NULL,
    is_primary BIGINT NOT NULL,
    availability TEXT NOT NULL,
    verified BIGINT NOT NULL,
    source TEXT NOT NULL,
    n BIGINT NOT NULL,
    CONSTRAINT worker_tally_pkey PRIMARY KEY (district, block, trade, is_primary, availability, verified, source)
);

CREATE TABLE index_state (
    id BIGINT NOT NULL CONSTRAINT index_state_pkey PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    last_id BIGINT NOT NULL
);
INSERT INTO index_state (id, seq, last_id) VALUES (1, -1, 0);

-- A worker's jobs, for their profile's history.
CREATE INDEX service_requests_worker ON service_requests (worker_id, id);
