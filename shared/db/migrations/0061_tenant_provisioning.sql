-- A tenant registered on a cluster exists in Postgres at once but its namespace, Broker and
-- Triggers are applied by the provisioner afterwards: `GET /v1/tenant` says `provisioning`
-- until the Broker is Ready. Tenants created before (and every local tenant) are ready.
ALTER TABLE tenants
    ADD COLUMN provisioning text NOT NULL DEFAULT 'ready'
        CHECK (provisioning IN ('provisioning', 'ready')),
    ADD COLUMN provisioned_at timestamptz;
