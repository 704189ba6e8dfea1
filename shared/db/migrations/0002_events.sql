-- Event-driven flow: transactional outbox, consumer idempotency, webhooks, OTP codes.

CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event_type   text NOT NULL,
    event        jsonb NOT NULL,          -- structured-mode CloudEvent (ids only, no PII)
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    last_error   text,
    next_attempt timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt) WHERE published_at IS NULL;

-- Every consumer records the event ids it processed, in the same transaction as the effect.
CREATE TABLE processed_events (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    consumer     text NOT NULL,
    event_id     text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, consumer, event_id)
);

CREATE TABLE webhook_endpoints (
    tenant_id       uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    url             text NOT NULL,
    events          text[] NOT NULL,
    secret_enc      bytea NOT NULL,
    previous_secret_enc bytea,
    previous_until  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    webhook_id    text NOT NULL,          -- stable per event (webhook-id header)
    event_type    text NOT NULL,
    session_id    uuid,
    payload       jsonb NOT NULL,
    url           text NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      int NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at  timestamptz,
    UNIQUE (tenant_id, webhook_id, url)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt)
    WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id            bigserial PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    delivery_id   uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    status_code   int,
    error         text,
    duration_ms   double precision NOT NULL
);

CREATE TABLE otp_codes (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    channel      text NOT NULL CHECK (channel IN ('email', 'phone')),
    target_enc   bytea NOT NULL,          -- the address/number, encrypted
    target_hash  text NOT NULL,
    code_hash    text NOT NULL,
    attempts     int NOT NULL DEFAULT 0,
    sends        int NOT NULL DEFAULT 1,
    last_sent_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    verified_at  timestamptz,
    details      jsonb NOT NULL DEFAULT '{}',   -- validation facts (no PII)
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX otp_codes_session_idx ON otp_codes (tenant_id, session_id, channel, created_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['outbox', 'processed_events', 'webhook_endpoints',
                             'webhook_deliveries', 'webhook_attempts', 'otp_codes']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (tenant_id = idmesh_current_tenant()) '
            'WITH CHECK (tenant_id = idmesh_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO idmesh_app', t);
    END LOOP;
END $$;
GRANT USAGE ON SEQUENCE webhook_attempts_id_seq TO idmesh_app;

-- The relay publishes every tenant's outbox: it finds due rows through these look-ups
-- (they expose ids, tenant and the id-only event, nothing else).
GRANT SELECT, UPDATE ON outbox TO idmesh_auth;
GRANT SELECT, UPDATE ON webhook_deliveries TO idmesh_auth;

CREATE FUNCTION idmesh_outbox_due(p_limit int)
RETURNS TABLE (id uuid, tenant_id uuid, tenant_slug text, event jsonb, attempts int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT o.id, o.tenant_id, t.slug, o.event, o.attempts
      FROM outbox o JOIN tenants t ON t.id = o.tenant_id
     WHERE o.published_at IS NULL AND o.next_attempt <= now()
     ORDER BY o.created_at LIMIT p_limit
$$;

CREATE FUNCTION idmesh_outbox_result(p_id uuid, p_ok boolean, p_error text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public
AS $$
    UPDATE outbox SET
        published_at = CASE WHEN p_ok THEN now() END,
        attempts = attempts + 1,
        last_error = CASE WHEN p_ok THEN NULL ELSE left(p_error, 500) END,
        next_attempt = now() + least(interval '60 seconds',
                                     interval '200 milliseconds' * power(2, attempts))
     WHERE id = p_id AND published_at IS NULL
$$;

CREATE FUNCTION idmesh_webhooks_due(p_limit int)
RETURNS TABLE (id uuid, tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT d.id, d.tenant_id FROM webhook_deliveries d
     WHERE d.status = 'pending' AND d.next_attempt <= now()
     ORDER BY d.next_attempt LIMIT p_limit
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['idmesh_outbox_due(int)', 'idmesh_outbox_result(uuid, boolean, text)',
                             'idmesh_webhooks_due(int)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO idmesh_auth', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO idmesh_app', f);
    END LOOP;
END $$;
