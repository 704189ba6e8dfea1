-- Events the broker gave up on (delivered to the dead-letter sink), kept per tenant.
CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event_id    text NOT NULL,
    event_type  text NOT NULL,
    session_id  uuid,
    error_code  text,
    error_dest  text,
    event       jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, event_id, error_dest)
);
ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dead_letters
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
GRANT SELECT, INSERT ON dead_letters TO idmesh_app;
GRANT USAGE ON SEQUENCE dead_letters_id_seq TO idmesh_app;
