-- Fair limits (issue 13): one budget per principal (API key, session token, client address)
-- instead of one per tenant, so an end user's session token cannot exhaust the tenant's
-- own API key. Counts live in Postgres so every replica of the API shares them.
DELETE FROM rate_limits;
ALTER TABLE rate_limits ADD COLUMN bucket text NOT NULL DEFAULT 'tenant';
ALTER TABLE rate_limits DROP CONSTRAINT rate_limits_pkey;
ALTER TABLE rate_limits ADD PRIMARY KEY (tenant_id, bucket, window_start);
