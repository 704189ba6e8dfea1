-- Erasure that erases, and retention.
-- 1. Messages to end users (one-time codes) are linked to their session and their content
--    (recipient, subject, body) is sealed with the tenant's data key; the recipient is kept
--    only as a keyed hash (for the operator's `idmesh outbox --to`). Registration messages
--    (no tenant yet) stay as they were. Erasing a session deletes its messages through a
--    SECURITY DEFINER function bound to the transaction's tenant (the app role still cannot
--    read the table).
ALTER TABLE messages ADD COLUMN session_id uuid;
ALTER TABLE messages ADD COLUMN recipient_hash text;
ALTER TABLE messages ADD COLUMN sealed bytea;
ALTER TABLE messages ALTER COLUMN recipient DROP NOT NULL;
ALTER TABLE messages ALTER COLUMN body DROP NOT NULL;
CREATE INDEX messages_session_idx ON messages (tenant_id, session_id)
    WHERE session_id IS NOT NULL;
CREATE INDEX messages_recipient_hash_idx ON messages (recipient_hash)
    WHERE recipient_hash IS NOT NULL;
GRANT SELECT, DELETE ON messages TO idmesh_auth;

CREATE FUNCTION idmesh_session_messages(p_session uuid)
RETURNS TABLE (id bigint, channel text, sealed bytea, delivered text, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT m.id, m.channel, m.sealed, m.delivered, m.created_at FROM messages m
     WHERE m.tenant_id = idmesh_current_tenant() AND m.session_id = p_session
     ORDER BY m.id
$$;

CREATE FUNCTION idmesh_erase_session_messages(p_session uuid)
RETURNS int
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    WITH gone AS (
        DELETE FROM messages
         WHERE tenant_id = idmesh_current_tenant() AND session_id = p_session RETURNING 1)
    SELECT count(*)::int FROM gone
$$;

-- 2. Per-tenant retention: decided (final) sessions are erased `retention_days` after their
--    decision; their artifacts may go sooner (`artifact_retention_days`). NULL: kept.
ALTER TABLE tenants ADD COLUMN retention_days int
    CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 3650);
ALTER TABLE tenants ADD COLUMN artifact_retention_days int
    CHECK (artifact_retention_days IS NULL OR artifact_retention_days BETWEEN 1 AND 3650);
ALTER TABLE sessions ADD COLUMN artifacts_purged_at timestamptz;

-- What the sweeper must do now, across tenants (ids only).
CREATE FUNCTION idmesh_retention_due(p_limit int)
RETURNS TABLE (tenant_id uuid, session_id uuid, action text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    (SELECT s.tenant_id, s.id, 'erase'
       FROM sessions s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.deleted_at IS NULL AND t.retention_days IS NOT NULL
        AND s.status IN ('approved', 'declined', 'expired', 'abandoned')
        AND coalesce(s.decided_at, s.updated_at) < now() - make_interval(days => t.retention_days)
      LIMIT p_limit)
    UNION ALL
    (SELECT s.tenant_id, s.id, 'purge_artifacts'
       FROM sessions s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.deleted_at IS NULL AND s.artifacts_purged_at IS NULL
        AND t.artifact_retention_days IS NOT NULL
        AND s.status IN ('approved', 'declined', 'expired', 'abandoned')
        AND coalesce(s.decided_at, s.updated_at)
            < now() - make_interval(days => t.artifact_retention_days)
        AND (t.retention_days IS NULL OR coalesce(s.decided_at, s.updated_at)
            >= now() - make_interval(days => t.retention_days))  -- not erased in this pass
      LIMIT p_limit)
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['idmesh_session_messages(uuid)',
                             'idmesh_erase_session_messages(uuid)',
                             'idmesh_retention_due(int)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO idmesh_auth', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO idmesh_app', f);
    END LOOP;
END $$;
