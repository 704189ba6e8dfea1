-- Sessions that time out: never submitted past expires_at -> expired; submitted but idle
-- (waiting for the end user) for 7 days -> abandoned. The sweep runs across tenants as the
-- auth role and returns what it changed so the caller can emit session.updated events.
GRANT UPDATE (status, updated_at) ON sessions TO idmesh_auth;

CREATE FUNCTION idmesh_sweep_sessions(p_idle interval)
RETURNS TABLE (tenant_id uuid, session_id uuid, status text, previous_status text)
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    WITH due AS (
        SELECT id, tenant_id, status AS previous,
               CASE WHEN status = 'not_started' THEN 'expired' ELSE 'abandoned' END AS next
          FROM sessions
         WHERE deleted_at IS NULL
           AND ((status = 'not_started' AND expires_at <= now())
             OR (status = 'in_progress' AND updated_at <= now() - p_idle))
         FOR UPDATE SKIP LOCKED
    )
    UPDATE sessions s SET status = due.next, updated_at = now()
      FROM due WHERE s.id = due.id
    RETURNING s.tenant_id, s.id, s.status, due.previous
$$;
ALTER FUNCTION idmesh_sweep_sessions(interval) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_sweep_sessions(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_sweep_sessions(interval) TO idmesh_app;
