"""Timing sessions out: unsubmitted ones expire, idle submitted ones are abandoned.

A look-up across tenants finds the candidates (ids only); each change is then made by the
lifecycle (`expire` / `abandon`) in that tenant's transaction, after re-reading the row under
lock, so it has its audit entry and its `session.updated` like every other transition.

Retention: a tenant's final sessions are erased (`lifecycle.erase`) `retention_days` after
their decision, and their artifacts purged after `artifact_retention_days`, audited as the
sweeper's with the reason."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from psycopg import Connection

from shared.audit import audit
from shared.db.tenant_tx import Database
from shared.sessions import lifecycle
from shared.sessions.erasure import purge_artifacts
from shared.sessions.store import SessionRow, get_session
from shared.tenancy.tenants import tenant_cipher

IDLE = timedelta(days=7)
ACTOR = "sweeper"


class SessionSweeper:
    def __init__(
        self,
        db: Database,
        every_seconds: float = 60.0,
        idle: timedelta = IDLE,
        batch: int = 500,
        sandbox_hours: int = 72,
        master_key: bytes | None = None,
    ) -> None:
        self.master_key = master_key  # re-seals vendor_data when artifacts are purged
        self.db, self.every, self.idle, self.batch = db, every_seconds, idle, batch
        self.sandbox_hours = sandbox_hours
        self._last = 0.0

    def __call__(self, _client=None) -> int:
        """A relay task: sweeps at most once per `every_seconds`."""
        now = time.monotonic()
        if now - self._last < self.every:
            return 0
        self._last = now
        return self.sweep()

    def sweep(self) -> int:
        return self.sweep_status() + self.sweep_retention() + self.sweep_sandbox()

    def _due(self, query: str, args: tuple) -> Iterator[tuple[dict, str, Connection, SessionRow]]:
        """The sessions a cross-tenant look-up names (ids only), each re-read under lock in
        its tenant's transaction; erased ones are skipped. The caller acts inside it."""
        with self.db.no_tenant() as conn:
            due = conn.execute(query, args).fetchall()
        for row in due:
            tid = str(row["tenant_id"])
            with self.db.tenant(tid) as conn:
                s = get_session(conn, row["session_id"], for_update=True)
                if s is None or s.deleted_at is not None:
                    continue
                yield row, tid, conn, s

    def sweep_sandbox(self) -> int:
        """Test sessions are erased `sandbox_hours` after they were made, whatever their state."""
        done = 0
        for _, tid, conn, s in self._due(
            "SELECT * FROM idmesh_sandbox_due(%s, %s)", (self.sandbox_hours, self.batch)
        ):
            lifecycle.erase(conn, tid, ACTOR, s, {"reason": "sandbox_retention"})
            done += 1
        return done

    def sweep_retention(self) -> int:
        done = 0
        for row, tid, conn, s in self._due("SELECT * FROM idmesh_retention_due(%s)", (self.batch,)):
            if row["action"] == "erase":
                lifecycle.erase(conn, tid, ACTOR, s, {"reason": "retention"})
            else:
                cipher = tenant_cipher(conn, self.master_key, tid) if self.master_key else None
                n = purge_artifacts(conn, str(s.id), cipher)
                audit(
                    conn,
                    tid,
                    ACTOR,
                    "artifacts.purged",
                    str(s.id),
                    {"reason": "artifact_retention", "artifacts": n},
                )
            done += 1
        return done

    def sweep_status(self) -> int:
        changed = 0
        for _, tid, conn, s in self._due(
            "SELECT * FROM idmesh_sessions_due(%s, %s)", (self.idle, self.batch)
        ):
            now = datetime.now(UTC)
            if s.status == "not_started" and s.expires_at <= now:
                lifecycle.expire(conn, tid, ACTOR, s)
            elif s.status in ("in_progress", lifecycle.RESUBMISSION) and (
                s.updated_at <= now - self.idle
            ):
                lifecycle.abandon(conn, tid, ACTOR, s)
            else:
                continue  # changed since it was found
            changed += 1
        return changed
