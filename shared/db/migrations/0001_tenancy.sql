-- Tenancy core: tenants, registrations, API keys, workflows, sessions, artifacts, checks,
-- audit log, idempotency keys, message outbox. Every tenant-owned table has tenant_id,
-- RLS enabled and FORCEd, and policies on the per-transaction setting idmesh.tenant_id.
-- A transaction without a tenant sees nothing and writes nothing (fail closed).

CREATE OR REPLACE FUNCTION idmesh_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('idmesh.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       text NOT NULL,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    wrapped_dek bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Registrations exist before any tenant: platform data, reached by the app role only
-- through the functions below (no direct table grants).
CREATE TABLE registrations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email        text NOT NULL,
    organization text NOT NULL,
    code_hash    text NOT NULL,
    attempts     int  NOT NULL DEFAULT 0,
    client_addr  text NOT NULL DEFAULT '',
    expires_at   timestamptz NOT NULL,
    verified_at  timestamptz,
    tenant_id    uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_email_idx ON registrations (email, created_at DESC);
CREATE INDEX registrations_client_idx ON registrations (client_addr, created_at DESC);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    key_hash     text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);

CREATE TABLE workflows (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name            text NOT NULL,
    current_version int  NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_tenant_idx ON workflows (tenant_id, created_at);

CREATE TABLE workflow_versions (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    workflow_id uuid NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version     int  NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    workflow_id      uuid NOT NULL REFERENCES workflows(id),
    workflow_version int  NOT NULL,
    status           text NOT NULL DEFAULT 'not_started' CHECK (status IN (
        'not_started', 'in_progress', 'in_review', 'approved', 'declined', 'expired',
        'abandoned', 'deleted')),
    decision         jsonb,
    vendor_data      text,
    callback_url     text,
    expected_enc     bytea,
    token_hash       text NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    submitted_at     timestamptz,
    decided_at       timestamptz,
    expires_at       timestamptz NOT NULL,
    deleted_at       timestamptz
);
CREATE INDEX sessions_tenant_page_idx ON sessions (tenant_id, created_at DESC, id DESC);
CREATE INDEX sessions_tenant_status_idx ON sessions (tenant_id, status, created_at DESC);

CREATE TABLE artifacts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind         text NOT NULL,
    content_type text NOT NULL,
    size_bytes   int  NOT NULL,
    sha256       text NOT NULL,
    ciphertext   bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_session_idx ON artifacts (tenant_id, session_id, kind);

CREATE TABLE checks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    step        text NOT NULL,
    check_name  text NOT NULL,
    status      text NOT NULL CHECK (status IN ('passed','failed','warning','error','pending')),
    score       double precision,
    warnings    jsonb NOT NULL DEFAULT '[]',
    data_enc    bytea,
    duration_ms double precision NOT NULL DEFAULT 0,
    model       jsonb NOT NULL DEFAULT '[]',
    event_id    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, step)
);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id uuid,
    actor      text NOT NULL,
    action     text NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_session_idx ON audit_log (tenant_id, session_id, id);

CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash text NOT NULL,
    status       int  NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

-- Messages to people (registration codes, OTPs). Locally this table *is* the delivery
-- channel (`idmesh outbox`); with SMTP/SMS configured it is also the delivery log.
-- The app role may only insert; reading is an operator action.
CREATE TABLE messages (
    id         bigserial PRIMARY KEY,
    tenant_id  uuid,
    channel    text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient  text NOT NULL,
    subject    text NOT NULL DEFAULT '',
    body       text NOT NULL,
    delivered  text NOT NULL DEFAULT 'outbox',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Per-tenant fixed-window rate limiting.
CREATE TABLE rate_limits (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    count        int NOT NULL,
    PRIMARY KEY (tenant_id, window_start)
);

-- Row-level security on every tenant-owned table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_keys', 'workflows', 'workflow_versions', 'sessions',
                             'artifacts', 'checks', 'audit_log', 'idempotency_keys',
                             'rate_limits']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
    END LOOP;
END $$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = idmesh_current_tenant()) WITH CHECK (id = idmesh_current_tenant());

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
-- Inserting a message for no tenant (registration) or the current tenant only.
CREATE POLICY message_insert ON messages FOR INSERT
    WITH CHECK (tenant_id IS NULL OR tenant_id = idmesh_current_tenant());

ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registrations FORCE ROW LEVEL SECURITY;

-- Grants: the app role reads and writes tenant tables (RLS decides which rows), may only
-- append to the audit log and insert messages.
GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys, workflows, workflow_versions, sessions,
    artifacts, checks, idempotency_keys, rate_limits TO idmesh_app;
GRANT SELECT, INSERT, UPDATE ON tenants TO idmesh_app;
GRANT SELECT, INSERT ON audit_log TO idmesh_app;
GRANT INSERT ON messages TO idmesh_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq, messages_id_seq TO idmesh_app;
GRANT EXECUTE ON FUNCTION idmesh_current_tenant() TO idmesh_app;

-- Authentication look-ups happen before a tenant is known. They run as idmesh_auth
-- (NOLOGIN, BYPASSRLS) through SECURITY DEFINER functions that only answer "whose key
-- is this hash", so the app role itself never bypasses RLS.
GRANT SELECT, UPDATE ON api_keys, sessions, tenants TO idmesh_auth;
GRANT SELECT, INSERT, UPDATE ON registrations TO idmesh_auth;

CREATE FUNCTION idmesh_auth_api_key(p_key_hash text)
RETURNS TABLE (tenant_id uuid, key_id uuid, tenant_slug text)
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    UPDATE api_keys k SET last_used_at = now()
      FROM tenants t
     WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
       AND t.id = k.tenant_id AND t.status = 'active'
    RETURNING k.tenant_id, k.id, t.slug
$$;

CREATE FUNCTION idmesh_auth_session_token(p_token_hash text)
RETURNS TABLE (tenant_id uuid, session_id uuid, tenant_slug text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT s.tenant_id, s.id, t.slug FROM sessions s JOIN tenants t ON t.id = s.tenant_id
     WHERE s.token_hash = p_token_hash AND s.deleted_at IS NULL AND t.status = 'active'
$$;

-- Registration: rate limits, code check with bounded attempts, consuming a verified code.
CREATE FUNCTION idmesh_registration_counts(p_email text, p_client text, p_since timestamptz)
RETURNS TABLE (by_email bigint, by_client bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT (SELECT count(*) FROM registrations WHERE email = p_email AND created_at > p_since),
           (SELECT count(*) FROM registrations
             WHERE client_addr = p_client AND created_at > p_since)
$$;

CREATE FUNCTION idmesh_registration_create(p_email text, p_org text, p_code_hash text,
                                           p_client text, p_expires timestamptz)
RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    INSERT INTO registrations (email, organization, code_hash, client_addr, expires_at)
    VALUES (p_email, p_org, p_code_hash, p_client, p_expires) RETURNING id
$$;

-- The newest open registration for an email: counts one attempt and returns what the
-- caller needs to compare the code (the hash) — never more than 5 attempts.
CREATE FUNCTION idmesh_registration_attempt(p_email text)
RETURNS TABLE (registration_id uuid, organization text, code_hash text, attempts int,
               expired boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    UPDATE registrations r SET attempts = r.attempts + 1
     WHERE r.id = (SELECT id FROM registrations
                    WHERE email = p_email AND verified_at IS NULL
                    ORDER BY created_at DESC LIMIT 1)
    RETURNING r.id, r.organization, r.code_hash, r.attempts, r.expires_at < now()
$$;

CREATE FUNCTION idmesh_registration_complete(p_registration uuid, p_tenant uuid)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    WITH done AS (
        UPDATE registrations SET verified_at = now(), tenant_id = p_tenant
         WHERE id = p_registration AND verified_at IS NULL RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM done)
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['idmesh_auth_api_key(text)', 'idmesh_auth_session_token(text)',
        'idmesh_registration_counts(text, text, timestamptz)',
        'idmesh_registration_create(text, text, text, text, timestamptz)',
        'idmesh_registration_attempt(text)', 'idmesh_registration_complete(uuid, uuid)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO idmesh_auth', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO idmesh_app', f);
    END LOOP;
END $$;
