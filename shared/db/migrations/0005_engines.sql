-- What the verification engines need from the platform, all tenant data under RLS:
-- blocklists, document fingerprints (duplicates), face templates (1:N), single-use
-- challenges (active liveness, NFC Active Authentication), frame fingerprints (replays).

CREATE TABLE blocklist (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('face', 'document_number', 'email', 'phone')),
    fingerprint   text,                 -- keyed hash of the normalised value
    engine_hash   text,                 -- the document engine's fingerprint, when known
    embedding_enc bytea,                -- face entries: the template, sealed
    session_id    uuid,                 -- where the entry came from, if from a session
    hint          text NOT NULL DEFAULT '',  -- masked value for people (e.g. ****4567)
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blocklist_lookup_idx ON blocklist (tenant_id, kind, fingerprint);
CREATE INDEX blocklist_engine_idx ON blocklist (tenant_id, engine_hash);

CREATE TABLE document_uses (
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    engine_hash text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, engine_hash, session_id)
);

CREATE TABLE face_templates (
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id    uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    embedding_enc bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id)
);
CREATE INDEX face_templates_tenant_idx ON face_templates (tenant_id, created_at);

CREATE TABLE challenges (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('liveness', 'nfc_aa')),
    nonce      text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}',
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, nonce)
);
CREATE INDEX challenges_session_idx ON challenges (tenant_id, session_id, kind, created_at DESC);

CREATE TABLE frame_hashes (
    tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    hash       text NOT NULL,
    PRIMARY KEY (tenant_id, hash, session_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['blocklist', 'document_uses', 'face_templates', 'challenges',
                             'frame_hashes']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;
