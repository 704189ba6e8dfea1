-- Replay records never hold secrets in plaintext: the answer of an idempotent request (which
-- may carry a new API key or a session token) is sealed with the tenant's data key, bound to
-- the tenant and the Idempotency-Key (response_enc). The plaintext column goes away; records
-- written before this migration are dropped (a retry with such a key runs the request again).
ALTER TABLE idempotency_keys NO FORCE ROW LEVEL SECURITY;
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys DROP COLUMN response;
ALTER TABLE idempotency_keys ADD COLUMN response_enc bytea NOT NULL;
