-- Kept in step with ../sqlite/0007_speed_and_fairness.sql. SQLite drops its (district, phone) index there and
-- rebuilds worker_trades WITHOUT ROWID; here the index stays: a PostgreSQL index does not carry the row id, so a
-- phone-digit search needs (district, phone) to avoid reading the district's rows.

-- The matching index rebuilds its fairness from the offers: those made or answered since a time.
CREATE INDEX offers_offered ON offers (offered_at);
CREATE INDEX offers_answered ON offers (answered_at) WHERE answered_at IS NOT NULL;
