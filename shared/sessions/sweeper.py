"""Timing sessions out: unsubmitted ones expire, idle submitted ones are abandoned; each
change is announced as `session.updated` (so tenants' webhooks hear of it). Retention: a
tenant's decided sessions are erased `retention_days` after their decision, and their
artifacts after `artifact_retention_days` (audited as the sweeper's)."""

from __future__ import annotations

import time
from datetime import timedelta

from events import SESSION_UPDATED
from shared.audit import audit
from shared.db.tenant_tx import Database
from shared.eventing.outbox import enqueue, make_event
from shared.sessions.erasure import erase_session, purge_artifacts

IDLE = timedelta(days=7)


class SessionSweeper:
    def __init__(self, db: Database, every_seconds: float = 60.0, idle: timedelta = IDLE) -> None:
        self.db, self.every, self.idle = db, every_seconds, idle
        self._last = 0.0

    def __call__(self, _client=None) -> int:
        """A relay task: sweeps at most once per `every_seconds`."""
        now = time.monotonic()
        if now - self._last < self.every:
            return 0
        self._last = now
        return self.sweep()

    def sweep(self) -> int:
        return self.sweep_status() + self.sweep_retention()

    def sweep_retention(self, batch: int = 100) -> int:
        with self.db.platform() as conn:
            due = conn.execute("SELECT * FROM idmesh_retention_due(%s)", (batch,)).fetchall()
        for row in due:
            tid, sid = str(row["tenant_id"]), str(row["session_id"])
            with self.db.tenant(tid) as conn:
                if row["action"] == "erase":
                    erase_session(conn, sid)
                    audit(conn, tid, "sweeper", "session.erased", sid, {"reason": "retention"})
                else:
                    n = purge_artifacts(conn, sid)
                    audit(
                        conn,
                        tid,
                        "sweeper",
                        "artifacts.purged",
                        sid,
                        {"reason": "artifact_retention", "artifacts": n},
                    )
        return len(due)

    def sweep_status(self) -> int:
        with self.db.platform() as conn:
            changed = conn.execute(
                "SELECT * FROM idmesh_sweep_sessions(%s)", (self.idle,)
            ).fetchall()
        for row in changed:
            tid, sid = str(row["tenant_id"]), str(row["session_id"])
            with self.db.tenant(tid) as conn:
                audit(conn, tid, "sweeper", f"session.{row['status']}", sid)
                enqueue(
                    conn,
                    make_event(
                        tid,
                        SESSION_UPDATED,
                        {
                            "session_id": sid,
                            "status": row["status"],
                            "previous_status": row["previous_status"],
                        },
                        "/idmesh/api",
                        sid,
                    ),
                )
        return len(changed)
