-- CORS on the API for the origins tenants allow (tenant_branding.allowed_origins).
-- A preflight carries no credentials, so no tenant is known yet: this look-up answers only
-- whether some active tenant allows the origin (a boolean, no tenant data). The actual
-- request is then checked against the authenticated tenant's own list, under RLS.
GRANT SELECT (tenant_id, allowed_origins) ON tenant_branding TO idmesh_auth;

CREATE FUNCTION idmesh_cors_origin_allowed(p_origin text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT EXISTS (
        SELECT 1
          FROM tenant_branding b
          JOIN tenants t ON t.id = b.tenant_id
         WHERE p_origin = ANY (b.allowed_origins) AND t.status = 'active'
    )
$$;
ALTER FUNCTION idmesh_cors_origin_allowed(text) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_cors_origin_allowed(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_cors_origin_allowed(text) TO idmesh_app;
