-- The look-ups that run before a tenant is known answer only to the roles that need them.
-- Until now the application role (every function, the API included) could abandon every
-- tenant's sessions, list tenant ids (idmesh_monitoring_tenants, idmesh_webhooks_due) and
-- mark any event published (idmesh_outbox_result). They now belong to idmesh_jobs, the
-- platform jobs' login role (made by bootstrap, a member of idmesh_app for the tenant
-- transactions the jobs run afterwards): the outbox relay, webhook retries, the session
-- sweeper and AML monitoring.
REVOKE EXECUTE ON FUNCTION idmesh_outbox_due(int) FROM idmesh_app;
REVOKE EXECUTE ON FUNCTION idmesh_outbox_result(uuid, boolean, text) FROM idmesh_app;
REVOKE EXECUTE ON FUNCTION idmesh_webhooks_due(int) FROM idmesh_app;
REVOKE EXECUTE ON FUNCTION idmesh_monitoring_tenants() FROM idmesh_app;
REVOKE EXECUTE ON FUNCTION idmesh_sessions_due(interval, int) FROM idmesh_app;

GRANT EXECUTE ON FUNCTION idmesh_outbox_due(int) TO idmesh_jobs;
GRANT EXECUTE ON FUNCTION idmesh_outbox_result(uuid, boolean, text) TO idmesh_jobs;
GRANT EXECUTE ON FUNCTION idmesh_webhooks_due(int) TO idmesh_jobs;
GRANT EXECUTE ON FUNCTION idmesh_monitoring_tenants() TO idmesh_jobs;
GRANT EXECUTE ON FUNCTION idmesh_sessions_due(interval, int) TO idmesh_jobs;
