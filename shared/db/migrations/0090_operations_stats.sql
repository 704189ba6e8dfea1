-- Platform-wide operational gauges for the metrics scrape (counts and ages only: no tenant,
-- no ids): the outbox's backlog and the review queue. Read by the relay's /metrics.
CREATE FUNCTION idmesh_operations_stats()
RETURNS TABLE (outbox_pending bigint, outbox_oldest_seconds double precision,
               review_queue_depth bigint, review_oldest_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL),
           (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision
              FROM outbox WHERE published_at IS NULL),
           (SELECT count(*) FROM sessions WHERE status = 'in_review'),
           (SELECT coalesce(extract(epoch FROM now() - min(updated_at)), 0)::double precision
              FROM sessions WHERE status = 'in_review')
$$;
ALTER FUNCTION idmesh_operations_stats() OWNER TO idmesh_auth;
REVOKE ALL ON FUNCTION idmesh_operations_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idmesh_operations_stats() TO idmesh_app;
