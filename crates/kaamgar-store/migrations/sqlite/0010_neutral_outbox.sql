-- The outbox keeps what the conversation said, not a channel's wire format: the reply as JSON (`format` 'reply'),
-- rendered by the channel that sends it, with the channel, the account it is sent from and the address it goes to.
-- Rows written before hold WhatsApp's Graph API request body (`format` 'graph') and are sent as they are.
-- (SQLite; kept in step with ../postgres/0010_neutral_outbox.sql.)
ALTER TABLE outbox RENAME COLUMN request TO message;
ALTER TABLE outbox RENAME COLUMN phone_number_id TO sender_id;
ALTER TABLE outbox ADD COLUMN format TEXT NOT NULL DEFAULT 'graph';
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'whatsapp';
ALTER TABLE outbox ADD COLUMN recipient TEXT;
-- Only the local channels' rows change; the rest keep the default.
UPDATE outbox SET channel = 'web' WHERE contact LIKE 'web:%';
UPDATE outbox SET channel = 'terminal' WHERE contact LIKE 'term:%';
