-- Crypto-shredding of artifacts: each session's files are sealed with a data key of their
-- own (session_keys.wrapped_key, itself sealed with the tenant's key). Erasure destroys the
-- key, so any copy of an artifact's ciphertext that outlives the row (a dead tuple in a
-- heap page, an unrecycled WAL segment, a physical copy taken afterwards) no longer opens,
-- even with the tenant's key. Artifacts stored before this migration stay sealed with the
-- tenant key (artifacts.sealed_with = 'tenant').
CREATE TABLE session_keys (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    wrapped_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE session_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session_keys
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
GRANT SELECT, INSERT, DELETE ON session_keys TO idmesh_app;

ALTER TABLE artifacts ADD COLUMN sealed_with text NOT NULL DEFAULT 'tenant'
    CHECK (sealed_with IN ('tenant', 'session'));
