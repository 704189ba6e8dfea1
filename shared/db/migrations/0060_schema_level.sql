-- The functions' readiness waits until every migration their image ships is applied (the
-- migration Job runs as the owner; Services must not serve an older schema). The app role
-- cannot read schema_migrations; this answers only the applied version numbers.
CREATE OR REPLACE FUNCTION idmesh_schema_versions() RETURNS int[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT coalesce(array_agg(version ORDER BY version), '{}') FROM schema_migrations $$;
REVOKE ALL ON FUNCTION idmesh_schema_versions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_schema_versions() TO idmesh_app;
