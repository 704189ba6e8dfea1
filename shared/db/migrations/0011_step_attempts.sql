-- Step attempts: the orchestrator's record of every check it made due. A check function
-- runs a step only for a `check.requested` whose id is an open attempt here, with the
-- params of the session's stored workflow version (never the event's): a forged request
-- names no stored attempt and is refused. `input_mark` is the session's stored end-user
-- input when the attempt was made, so `session.input` re-runs a waiting step only when
-- that input really changed.
CREATE TABLE step_attempts (
    tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    event_id     text NOT NULL,
    session_id   uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    step         text NOT NULL,
    step_index   int NOT NULL,
    attempt      int NOT NULL,
    input_mark   text NOT NULL DEFAULT '',
    requested_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX step_attempts_session_idx ON step_attempts (tenant_id, session_id, step, requested_at);

ALTER TABLE step_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE step_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON step_attempts
    USING (tenant_id = idmesh_current_tenant()) WITH CHECK (tenant_id = idmesh_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON step_attempts TO idmesh_app;
