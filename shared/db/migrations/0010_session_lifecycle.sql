-- The sweeper only *finds* sessions that timed out; each change is then made by the session
-- lifecycle in that tenant's transaction (allowed-from check, audit entry, session.updated
-- through the outbox), like every other state change. The old all-tenant UPDATE goes: it
-- let any caller of the app role abandon every tenant's sessions in one call.
CREATE FUNCTION idmesh_sessions_due(p_idle interval, p_limit int)
RETURNS TABLE (tenant_id uuid, session_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT tenant_id, id FROM sessions
     WHERE deleted_at IS NULL
       AND ((status = 'not_started' AND expires_at <= now())
         OR (status = 'in_progress' AND updated_at <= now() - p_idle))
     ORDER BY updated_at
     LIMIT greatest(p_limit, 0)
$$;
ALTER FUNCTION idmesh_sessions_due(interval, int) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_sessions_due(interval, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_sessions_due(interval, int) TO idmesh_app;

DROP FUNCTION idmesh_sweep_sessions(interval);
REVOKE UPDATE (status, updated_at) ON sessions FROM idmesh_auth;
