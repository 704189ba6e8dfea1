-- The review console (issue 17): a tenant's people (not API keys), their signed-in browser
-- sessions, case assignment, four-eyes proposals, console settings and issued PDF reports.

-- A person of a tenant. The e-mail address signs in, so it is unique across tenants (one
-- account per address). Password: argon2id hash; TOTP secret sealed with the tenant's data
-- key (bound to the row id). `failed_attempts` / `locked_until`: lock-out after failures.
CREATE TABLE console_users (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (email = lower(email) AND length(email) <= 320),
    name             text CHECK (length(name) <= 200),
    role             text NOT NULL
                     CHECK (role IN ('owner', 'admin', 'reviewer', 'developer', 'viewer')),
    status           text NOT NULL DEFAULT 'invited'
                     CHECK (status IN ('invited', 'active', 'disabled')),
    password_hash    text,
    totp_secret_enc  bytea,
    totp_last_step   bigint NOT NULL DEFAULT 0,  -- a code's time step is accepted once
    failed_attempts  int NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    invited_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at  timestamptz,
    UNIQUE (email)
);
CREATE INDEX console_users_tenant_idx ON console_users (tenant_id);

-- An invitation link (only its hash is stored), single use, time-limited.
CREATE TABLE console_invites (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A signed-in browser (the cookie holds a random token; only its hash is stored).
-- `mfa_done` is false between the password and the TOTP code.
CREATE TABLE console_sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    token_hash   text NOT NULL UNIQUE,
    mfa_done     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX console_sessions_user_idx ON console_sessions (tenant_id, user_id);

-- Who works on a session in review (only the assignee decides).
CREATE TABLE case_assignments (
    session_id  uuid PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    assignee    uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    assigned_by uuid REFERENCES console_users(id) ON DELETE SET NULL,
    assigned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_assignments_assignee_idx ON case_assignments (tenant_id, assignee);

-- Four-eyes: a decline proposed by one reviewer, waiting for a second one to confirm.
CREATE TABLE case_proposals (
    session_id    uuid PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    proposed_by   uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    decision      text NOT NULL CHECK (decision IN ('declined')),
    reason_codes  text[] NOT NULL DEFAULT '{}',
    note          text CHECK (length(note) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE console_settings (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    four_eyes_decline  boolean NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Every PDF report issued: a recipient verifies a file's SHA-256 (or the report id printed
-- in it) against the API.
CREATE TABLE session_reports (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    sha256       text NOT NULL,
    generated_by text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_reports_sha_idx ON session_reports (tenant_id, sha256);

-- The queue's order and filters.
CREATE INDEX sessions_queue_idx ON sessions (tenant_id, status, created_at DESC)
    WHERE deleted_at IS NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['console_users', 'console_invites', 'console_sessions',
                             'case_assignments', 'case_proposals', 'console_settings',
                             'session_reports']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;

-- The look-ups made before a tenant is known (sign-in by address, an invitation link, a
-- session cookie): SECURITY DEFINER, owned by idmesh_auth, answering only ids.
GRANT SELECT ON console_users, console_invites, console_sessions TO idmesh_auth;

CREATE FUNCTION idmesh_console_user_by_email(p_email text)
RETURNS TABLE (tenant_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT u.tenant_id, u.id FROM console_users u JOIN tenants t ON t.id = u.tenant_id
     WHERE u.email = lower(p_email) AND t.status = 'active'
$$;

CREATE FUNCTION idmesh_console_invite(p_token_hash text)
RETURNS TABLE (tenant_id uuid, invite_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT i.tenant_id, i.id, i.user_id FROM console_invites i JOIN tenants t ON t.id = i.tenant_id
     WHERE i.token_hash = p_token_hash AND i.used_at IS NULL AND i.expires_at > now()
       AND t.status = 'active'
$$;

CREATE FUNCTION idmesh_console_session(p_token_hash text)
RETURNS TABLE (tenant_id uuid, console_session_id uuid, user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT s.tenant_id, s.id, s.user_id FROM console_sessions s JOIN tenants t ON t.id = s.tenant_id
     WHERE s.token_hash = p_token_hash AND s.ended_at IS NULL AND s.expires_at > now()
       AND t.status = 'active'
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['idmesh_console_user_by_email(text)', 'idmesh_console_invite(text)',
                             'idmesh_console_session(text)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO idmesh_auth', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO idmesh_app', f);
    END LOOP;
END $$;
