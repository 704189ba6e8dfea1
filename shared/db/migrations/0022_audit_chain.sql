-- A tamper-evident audit trail: entries are hash-chained per tenant. Each entry carries its
-- position in the tenant's chain (seq), the previous entry's hash and its own hash over
-- (previous hash, tenant, seq, session, actor, actor name, action, details, time). The chain
-- is extended by a trigger under a per-tenant transaction lock, so concurrent writers queue
-- (commit order = chain order) and no one can append without extending the chain. An edit
-- or a deletion by anyone with database access breaks the chain at that entry
-- (`idmesh audit verify`); a cut tail shows against a head hash kept elsewhere (GET
-- /v1/audit answers the current head).
ALTER TABLE audit_log ADD COLUMN actor_name text;  -- who, for people: a key's name today
ALTER TABLE audit_log ADD COLUMN seq bigint;
ALTER TABLE audit_log ADD COLUMN prev_hash text;
ALTER TABLE audit_log ADD COLUMN hash text;

CREATE FUNCTION idmesh_audit_entry_hash(p_prev text, p_tenant uuid, p_seq bigint,
    p_session uuid, p_actor text, p_actor_name text, p_action text, p_details jsonb,
    p_created timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\n', p_prev, p_tenant::text, p_seq::text,
        coalesce(p_session::text, ''), p_actor, coalesce(p_actor_name, ''), p_action,
        p_details::text,
        to_char(p_created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex')
$$;

CREATE FUNCTION idmesh_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('idmesh_audit:' || NEW.tenant_id::text, 0));
    SELECT a.seq, a.hash INTO last_seq, last_hash FROM audit_log a
     WHERE a.tenant_id = NEW.tenant_id AND a.seq IS NOT NULL
     ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.hash := idmesh_audit_entry_hash(NEW.prev_hash, NEW.tenant_id, NEW.seq, NEW.session_id,
        NEW.actor, NEW.actor_name, NEW.action, NEW.details, NEW.created_at);
    RETURN NEW;
END $$;

-- Entries written before this migration join the chain in the order they were written.
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
DO $$
DECLARE
    r record;
    prev text;
    cur_tenant uuid;
    n bigint;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY tenant_id, id LOOP
        IF cur_tenant IS DISTINCT FROM r.tenant_id THEN
            cur_tenant := r.tenant_id; prev := repeat('0', 64); n := 0;
        END IF;
        n := n + 1;
        UPDATE audit_log SET seq = n, prev_hash = prev,
            hash = idmesh_audit_entry_hash(prev, r.tenant_id, n, r.session_id, r.actor, NULL,
                                           r.action, r.details, r.created_at)
         WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
END $$;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_idx ON audit_log (tenant_id, seq);
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION idmesh_audit_chain();
