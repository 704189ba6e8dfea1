-- Ongoing AML monitoring: enrolled subjects (approved sessions of workflows that ask for it)
-- and the hits found when a list changes. Both are tenant data under RLS.

CREATE TABLE aml_subjects (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid REFERENCES sessions(id) ON DELETE CASCADE,
    subject_enc bytea NOT NULL,          -- name, date of birth, country: sealed
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, session_id)
);

CREATE TABLE aml_hits (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    subject_id   uuid NOT NULL REFERENCES aml_subjects(id) ON DELETE CASCADE,
    session_id   uuid,
    entity_id    text NOT NULL,
    list         text NOT NULL,
    list_version text NOT NULL,
    score        double precision NOT NULL,
    change       text NOT NULL,
    details_enc  bytea NOT NULL,         -- matched names and explanation: sealed
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'confirmed')),
    reviewed_by  text,
    note         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    reviewed_at  timestamptz,
    UNIQUE (tenant_id, subject_id, entity_id, list_version)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['aml_subjects', 'aml_hits']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;

-- Which tenants have someone to re-screen (the monitoring run visits only those).
GRANT SELECT ON aml_subjects TO idmesh_auth;
CREATE FUNCTION idmesh_monitoring_tenants() RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT DISTINCT tenant_id FROM aml_subjects WHERE active $$;
ALTER FUNCTION idmesh_monitoring_tenants() OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_monitoring_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_monitoring_tenants() TO idmesh_app;
