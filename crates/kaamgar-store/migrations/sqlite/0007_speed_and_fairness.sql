-- A phone-digit search scans the narrow unique phone index (phone, rowid) and looks up the few matches, so the
-- (district, phone) index, which every imported row had to be inserted into at a random place, is dropped.
-- PostgreSQL keeps it: its phone index does not carry the row id (see ../postgres/0007_speed_and_fairness.sql).
DROP INDEX workers_district_phone;

-- The matching index rebuilds its fairness from the offers: those made or answered since a time.
CREATE INDEX offers_offered ON offers (offered_at);
CREATE INDEX offers_answered ON offers (answered_at) WHERE answered_at IS NOT NULL;

-- A worker's trades as a table clustered on its key (WITHOUT ROWID): an imported trade is written to two
-- B-trees instead of three (rowid table, key index, trade index).
CREATE TABLE worker_trades_new (
    worker_id BIGINT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    trade TEXT NOT NULL,
    is_primary BIGINT NOT NULL,
    CONSTRAINT worker_trades_pkey PRIMARY KEY (worker_id, trade)
) WITHOUT ROWID;
INSERT INTO worker_trades_new (worker_id, trade, is_primary)
    SELECT worker_id, trade, is_primary FROM worker_trades;
DROP TABLE worker_trades;
ALTER TABLE worker_trades_new RENAME TO worker_trades;
CREATE INDEX worker_trades_trade_idx ON worker_trades (trade, worker_id);
