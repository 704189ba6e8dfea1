-- Sandbox isolation on a session's data, not only on `sessions` (0111): every table that
-- holds rows of one session gets a restrictive policy that shows a row only when its session
-- is visible in the transaction's mode. With `idmesh.mode` unset (platform functions acting
-- on a session by id, the sweeper) nothing changes; rows without a session stay visible.
-- The sessions' own policies decide: an API transaction of a live key sees no row of a test
-- session in any of these tables, and a test key none of a live one.
--
-- Not isolated, on purpose: `audit_log` (one hash chain per tenant: its trigger reads the
-- tenant's last entry), `messages` (insert-only, read through a definer function; test
-- sessions send none), `dead_letters` (the operator's), `blocklist` (the tenant's
-- configuration, shared by both modes), `hosted_rate` (request counters).
--
-- A later table with a `session_id`: `SELECT idmesh_isolate_mode('<table>')` in its migration
-- (tests/platform/test_sandbox.py fails on a table that has neither this nor a reason).
CREATE FUNCTION idmesh_isolate_mode(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE POLICY mode_isolation ON %1$s AS RESTRICTIVE USING ('
        'idmesh_current_mode() = ''any'' OR %1$s.session_id IS NULL OR '
        'EXISTS (SELECT 1 FROM sessions s WHERE s.id = %1$s.session_id))',
        p_table);
END $$;
REVOKE ALL ON FUNCTION idmesh_isolate_mode(regclass) FROM PUBLIC;

SELECT idmesh_isolate_mode(t::regclass) FROM unnest(ARRAY[
    'artifacts', 'checks', 'webhook_deliveries', 'otp_codes', 'document_uses',
    'face_templates', 'challenges', 'frame_hashes', 'aml_subjects', 'aml_hits',
    'step_attempts', 'session_keys', 'hosted_links', 'hosted_progress', 'session_network',
    'risk_keys', 'case_assignments', 'case_proposals', 'session_reports', 'session_devices',
    'session_steps']) AS t;

-- Magic uploaded file names (docs/sandbox.md): the outcome a test session's upload names
-- (`declined+DOCUMENT_EXPIRED.jpg`). Only set for test sessions' uploads whose name is a
-- magic outcome; a live upload's name is never stored.
ALTER TABLE artifacts ADD COLUMN sandbox_magic text
    CHECK (sandbox_magic IS NULL OR length(sandbox_magic) <= 80);
