-- The review console's case actions (issue 17): notes with @mentions, AML match dispositions
-- made from a case, and a tenant's OIDC single sign-on.

-- A note on a case (the body may name people: `@name` or `@address`).
CREATE TABLE case_notes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    author      uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_notes_session_idx ON case_notes (tenant_id, session_id, created_at);

-- Who a note mentions (listed on that person's Mentions page until seen).
CREATE TABLE case_mentions (
    note_id     uuid NOT NULL REFERENCES case_notes(id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    seen_at     timestamptz,
    PRIMARY KEY (note_id, user_id)
);
CREATE INDEX case_mentions_user_idx ON case_mentions (tenant_id, user_id, seen_at);

-- A reviewer's disposition of one AML match of a session's screening: confirmed (a true
-- match) or dismissed (a false positive, not raised again for this session's subject).
CREATE TABLE case_aml_dispositions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    entity_id    text NOT NULL CHECK (length(entity_id) <= 300),
    list         text NOT NULL,
    list_version text NOT NULL,
    decision     text NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    decided_by   uuid REFERENCES console_users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, entity_id)
);

-- A tenant's OIDC provider for console sign-in (authorization code + PKCE). The client
-- secret is sealed with the tenant's data key.
CREATE TABLE console_oidc (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    issuer             text NOT NULL CHECK (length(issuer) <= 500),
    client_id          text NOT NULL CHECK (length(client_id) <= 500),
    client_secret_enc  bytea,
    enabled            boolean NOT NULL DEFAULT true,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_notes', 'case_mentions', 'case_aml_dispositions',
                             'console_oidc']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;
