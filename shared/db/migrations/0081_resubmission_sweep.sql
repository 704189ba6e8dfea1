-- Sessions waiting for the end user to capture again are abandoned when idle, like
-- submitted ones (the lifecycle's `abandon` takes both).
CREATE OR REPLACE FUNCTION idmesh_sessions_due(p_idle interval, p_limit int)
RETURNS TABLE (tenant_id uuid, session_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT tenant_id, id FROM sessions
     WHERE deleted_at IS NULL
       AND ((status = 'not_started' AND expires_at <= now())
         OR (status IN ('in_progress', 'resubmission_requested')
             AND updated_at <= now() - p_idle))
     ORDER BY updated_at
     LIMIT greatest(p_limit, 0)
$$;
