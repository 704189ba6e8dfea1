-- The hosted verification flow (issue 16): links an end user opens, per-session progress
-- through the steps, per-tenant branding, per-session request counting.

ALTER TABLE sessions
    ADD COLUMN redirect_url   text,
    ADD COLUMN language       text CHECK (language IN ('en', 'es', 'fr', 'de', 'pt', 'ar')),
    ADD COLUMN handoff_method text CHECK (handoff_method IN ('same_device', 'qr', 'link'));

-- An opaque token in the path of the hosted page's URL. `link`: the one returned at session
-- creation (valid until the session expires); `handoff`: a short-lived, single-use token a
-- desktop hands to a phone (QR code or copied link), exchanged on first use for a `device`
-- link. The session token is sealed here (AES-GCM, bound to the row) so the hosted page can
-- act as the end user on the API; only hashes of link tokens are stored.
CREATE TABLE hosted_links (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id        uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('link', 'handoff', 'device')),
    via               text CHECK (via IN ('qr', 'link')),
    token_hash        text NOT NULL UNIQUE,
    session_token_enc bytea NOT NULL,
    expires_at        timestamptz NOT NULL,
    used_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hosted_links_session_idx ON hosted_links (tenant_id, session_id);

-- Where the end user is in the flow: consent, the document chosen, capture attempts.
CREATE TABLE hosted_progress (
    session_id   uuid PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    consent_at   timestamptz,
    document     jsonb NOT NULL DEFAULT '{}',
    done         jsonb NOT NULL DEFAULT '[]',
    attempts     jsonb NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Per-session request counting (one row per session and minute).
CREATE TABLE hosted_rate (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    count        int NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, window_start)
);

CREATE TABLE tenant_branding (
    tenant_id        uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    display_name     text CHECK (length(display_name) BETWEEN 1 AND 100),
    logo             bytea,
    logo_type        text,
    primary_color    text NOT NULL DEFAULT '#1F4E9C',
    background_color text NOT NULL DEFAULT '#FFFFFF',
    text_color       text NOT NULL DEFAULT '#1A1A1A',
    privacy_url      text,
    retention_days   int CHECK (retention_days BETWEEN 1 AND 3650),
    allowed_origins  text[] NOT NULL DEFAULT '{}',
    allow_file_upload boolean NOT NULL DEFAULT true,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['hosted_links', 'hosted_progress', 'hosted_rate', 'tenant_branding']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;

-- Whose link is this hash: answered before a tenant is known (like the session token).
GRANT SELECT ON hosted_links TO idmesh_auth;

CREATE FUNCTION idmesh_auth_hosted_link(p_token_hash text)
RETURNS TABLE (tenant_id uuid, session_id uuid, link_id uuid, kind text,
               expires_at timestamptz, used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT l.tenant_id, l.session_id, l.id, l.kind, l.expires_at, l.used_at
      FROM hosted_links l
      JOIN sessions s ON s.id = l.session_id
      JOIN tenants t ON t.id = l.tenant_id
     WHERE l.token_hash = p_token_hash AND s.deleted_at IS NULL AND t.status = 'active'
$$;
ALTER FUNCTION idmesh_auth_hosted_link(text) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_auth_hosted_link(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_auth_hosted_link(text) TO idmesh_app;
