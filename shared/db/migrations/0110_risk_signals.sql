-- Risk signals (shared/risk). `session_network`: each address a session's end user came
-- from, as a per-tenant keyed hash (`ip_key`), its /24 (IPv4) or /48 (IPv6) prefix as
-- evidence, its registered country and whether it is private or reserved; the address
-- itself is never stored. `risk_keys`: keyed hashes of the values velocity looks for
-- (document number, email, phone, device, IP) per session; the lookup index answers "how
-- many other sessions of this tenant had this value since t" without a scan.
CREATE TABLE session_network (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    ip_key      text NOT NULL,
    ip_prefix   text NOT NULL,
    country     text,
    reserved    boolean NOT NULL,
    requests    int NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id, ip_key)
);

CREATE TABLE risk_keys (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('document_number', 'email', 'phone', 'device', 'ip')),
    key         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id, kind, key)
);
CREATE INDEX risk_keys_lookup_idx ON risk_keys (tenant_id, kind, key, created_at DESC);

ALTER TABLE session_network ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_network FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session_network
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
ALTER TABLE risk_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_keys
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON session_network, risk_keys TO idmesh_app;
