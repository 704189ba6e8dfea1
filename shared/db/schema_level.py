"""Is the database at this code's migration level? The functions' readiness waits for it on
a cluster (`IDMESH_REQUIRE_SCHEMA=true`), so a Service becomes Ready only after the
migration Job applied every migration its image ships."""

from __future__ import annotations

import logging
import time

import psycopg

from shared.db.bootstrap import available_migrations

log = logging.getLogger(__name__)


class SchemaNotReady(RuntimeError):
    """The database lacks migrations this code needs."""


def missing_migrations(app_url: str) -> list[int]:
    wanted = {m.version for m in available_migrations()}
    with psycopg.connect(app_url, connect_timeout=5) as conn:
        try:
            row = conn.execute("SELECT idmesh_schema_versions()").fetchone()
        except psycopg.errors.UndefinedFunction:
            return sorted(wanted)  # not even 0060 applied
    applied = set(row[0] if row and row[0] else [])
    return sorted(wanted - applied)


def wait_for_schema(app_url: str, timeout: float = 600.0, interval: float = 2.0) -> None:
    """Poll until every migration is applied (the Job may still be running)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            missing = missing_migrations(app_url)
        except psycopg.OperationalError as exc:
            missing, reason = [-1], f"database unreachable ({type(exc).__name__})"
        else:
            reason = f"migrations {missing} not applied yet"
        if not missing:
            return
        if time.monotonic() >= deadline:
            raise SchemaNotReady(reason)
        log.info("waiting for the migration Job: %s", reason)
        time.sleep(interval)
