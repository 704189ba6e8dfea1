-- A session whose captures could not be read asks the end user to take them again
-- (`resubmission_requested`) instead of being declined; `resubmissions` counts the rounds.
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check CHECK (status IN (
    'not_started', 'in_progress', 'in_review', 'approved', 'declined', 'expired',
    'abandoned', 'deleted', 'resubmission_requested'));
ALTER TABLE sessions ADD COLUMN resubmissions int NOT NULL DEFAULT 0;

-- Sessions waiting for a retake are abandoned when idle, like submitted ones.
CREATE OR REPLACE FUNCTION idmesh_sweep_sessions(p_idle interval)
RETURNS TABLE (tenant_id uuid, session_id uuid, status text, previous_status text)
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    WITH due AS (
        SELECT id, tenant_id, status AS previous,
               CASE WHEN status = 'not_started' THEN 'expired' ELSE 'abandoned' END AS next
          FROM sessions
         WHERE deleted_at IS NULL
           AND ((status = 'not_started' AND expires_at <= now())
             OR (status IN ('in_progress', 'resubmission_requested')
                 AND updated_at <= now() - p_idle))
         FOR UPDATE SKIP LOCKED
    )
    UPDATE sessions s SET status = due.next, updated_at = now()
      FROM due WHERE s.id = due.id
    RETURNING s.tenant_id, s.id, s.status, due.previous
$$;
