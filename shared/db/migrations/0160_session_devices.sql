-- Device and behaviour signals from the hosted flow (shared/risk/device.py, behaviour.py).
-- `session_devices`: each device the end user's pages ran on, as reported by the page
-- (`POST /v/<token>/device`): a per-tenant keyed hash of its traits (`device_key`; the traits
-- themselves are not stored), the IANA timezone it reports, automation hints (e.g.
-- navigator.webdriver, a headless user agent) and whether it arrived by a handoff link.
-- `session_steps`: when the end user first saw each step's page and when the step was done,
-- how a capture was taken (camera or file) and the retakes it needed.
CREATE TABLE session_devices (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    device_key  text NOT NULL,
    via         text NOT NULL CHECK (via IN ('link', 'handoff')),
    timezone    text CHECK (length(timezone) <= 64),
    automation  text[] NOT NULL DEFAULT '{}',
    reports     int NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id, device_key)
);

CREATE TABLE session_steps (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    step        text NOT NULL CHECK (length(step) <= 40),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    source      text CHECK (source IN ('camera', 'upload')),
    retakes     int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, session_id, step)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['session_devices', 'session_steps']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;
