-- vendor_data is personal data given by the tenant: sealed at rest with the session's own
-- data key (session_keys, destroyed on erasure: crypto-shredding), searched by a keyed
-- fingerprint (HMAC-SHA256 with a per-installation key over tenant and value).
-- Sealing needs the master key, which the database never holds: rows written before this
-- migration are sealed by `seal_legacy` right after migrating (`idmesh up`, `idmesh db
-- migrate`, or `idmesh erasure seal-legacy`); until then readers use the plain column.
ALTER TABLE sessions ADD COLUMN vendor_data_enc bytea;
ALTER TABLE sessions ADD COLUMN vendor_data_hash text;
-- A test (sandbox) session's magic vendor_data (`sandbox:<outcome>`, documented, never
-- personal) stays readable to the checks, which hold no session key.
ALTER TABLE sessions ADD COLUMN sandbox_magic text;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
UPDATE sessions SET sandbox_magic = vendor_data
 WHERE mode = 'test' AND vendor_data LIKE 'sandbox:%';
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE INDEX sessions_vendor_data_hash_idx ON sessions (tenant_id, vendor_data_hash)
    WHERE vendor_data_hash IS NOT NULL;

-- Webhook payloads no longer store vendor_data (each attempt adds it from the session):
-- stored copies go, so an erased session leaves none behind.
ALTER TABLE webhook_deliveries NO FORCE ROW LEVEL SECURITY;
UPDATE webhook_deliveries SET payload = payload #- '{data,vendor_data}'
 WHERE payload->'data' ? 'vendor_data';
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
