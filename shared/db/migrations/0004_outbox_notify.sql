-- Wake the relay the moment an outbox row commits (NOTIFY is delivered at commit), so
-- events do not wait for the next polling pass.
CREATE FUNCTION idmesh_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('idmesh_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION idmesh_outbox_notify();

CREATE TRIGGER webhook_deliveries_notify AFTER INSERT OR UPDATE OF status ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION idmesh_outbox_notify();
