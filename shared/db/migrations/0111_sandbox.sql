-- The sandbox (shared/sandbox): sessions made with a test key are `mode = 'test'`. Each API
-- transaction sets `idmesh.mode` to its key's mode; this restrictive policy (ANDed with the
-- tenant policy) hides the other mode's sessions, so a live key never sees a test session
-- and a test key never sees a live one. Unset (platform functions acting on a session by
-- id, the sweeper): every mode of the tenant.
ALTER TABLE sessions ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));
CREATE INDEX sessions_test_created_idx ON sessions (created_at) WHERE mode = 'test' AND deleted_at IS NULL;

CREATE FUNCTION idmesh_current_mode() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT coalesce(nullif(current_setting('idmesh.mode', true), ''), 'any') $$;

CREATE POLICY mode_isolation ON sessions AS RESTRICTIVE
    USING (idmesh_current_mode() IN ('any', mode))
    WITH CHECK (idmesh_current_mode() IN ('any', mode));

-- Test sessions older than the sandbox retention, across tenants (ids only), for the sweeper.
CREATE FUNCTION idmesh_sandbox_due(p_hours int, p_limit int)
RETURNS TABLE (tenant_id uuid, session_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT s.tenant_id, s.id FROM sessions s
     WHERE s.mode = 'test' AND s.deleted_at IS NULL
       AND s.created_at < now() - make_interval(hours => p_hours)
     ORDER BY s.created_at LIMIT p_limit
$$;
ALTER FUNCTION idmesh_sandbox_due(int, int) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_sandbox_due(int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_sandbox_due(int, int) TO idmesh_app, idmesh_jobs;
