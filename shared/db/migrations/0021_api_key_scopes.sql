-- API keys: scopes (NULL = every scope, so keys made before scopes keep working), an optional
-- expiry, and the key a rotation replaced. Authentication now answers the key's name, scopes
-- and whether it has expired (an expired key is refused with its own problem type), and only
-- counts a use (last_used_at) of a key that may still be used.
ALTER TABLE api_keys ADD COLUMN scopes text[];
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN rotated_from uuid;

CREATE FUNCTION idmesh_auth_api_key_v2(p_key_hash text)
RETURNS TABLE (tenant_id uuid, key_id uuid, tenant_slug text, key_name text, scopes text[],
               expired boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
      FROM tenants t
     WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
       AND (k.expires_at IS NULL OR k.expires_at > now())
       AND t.id = k.tenant_id AND t.status = 'active';
    RETURN QUERY
        SELECT k.tenant_id, k.id, t.slug, k.name, k.scopes,
               (k.expires_at IS NOT NULL AND k.expires_at <= now())
          FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
         WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL AND t.status = 'active';
END $$;
ALTER FUNCTION idmesh_auth_api_key_v2(text) OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_auth_api_key_v2(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_auth_api_key_v2(text) TO idmesh_app;
