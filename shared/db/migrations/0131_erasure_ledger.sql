-- The erasure ledger: which session of which tenant was erased when (ids and time only,
-- never a personal value). Exported off the database (`idmesh erasure export`) it lets an
-- operator re-apply erasures to a database restored from an older backup (`idmesh erasure
-- replay FILE`). One row per session: replays and repeated erasures keep the first time.
CREATE TABLE erasure_ledger (
    tenant_id  uuid NOT NULL,
    session_id uuid PRIMARY KEY,
    erased_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erasure_ledger_time_idx ON erasure_ledger (erased_at, session_id);
ALTER TABLE erasure_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE erasure_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON erasure_ledger
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
-- the application role of older images erases too (function roles: shared/db/grants.py)
GRANT SELECT (session_id), INSERT ON erasure_ledger TO idmesh_app;

-- Sessions erased before the ledger existed (tombstones): recorded with their erasure time.
ALTER TABLE erasure_ledger NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
INSERT INTO erasure_ledger (tenant_id, session_id, erased_at)
SELECT tenant_id, id, deleted_at FROM sessions WHERE deleted_at IS NOT NULL
ON CONFLICT DO NOTHING;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE erasure_ledger FORCE ROW LEVEL SECURITY;
