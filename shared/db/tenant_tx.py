"""Tenant-scoped transactions: the only way domain code touches tenant data.

The tenant is set with `set_config('idmesh.tenant_id', ..., true)`, i.e. for this
transaction only, so a pooled connection never carries one tenant into another's request.

Pooled connections are checked before they are handed out, and a connection error on the
transaction's first statement is retried once on a fresh connection: after a Postgres
restart no request gets a dead connection. While the database is down, acquiring a
connection fails with `psycopg_pool.PoolTimeout` after `acquire_timeout` seconds.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout


class Database:
    """A connection pool for the application role, created lazily (after any fork)."""

    def __init__(
        self,
        url: str,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 10.0,
        open_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.open_timeout = open_timeout  # how long the first use waits for min_size
        self._min = min_size
        self._max = max_size
        self.acquire_timeout = acquire_timeout
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    pool = ConnectionPool(
                        self.url,
                        min_size=self._min,
                        max_size=self._max,
                        kwargs={"row_factory": dict_row, "autocommit": False},
                        check=ConnectionPool.check_connection,
                        timeout=self.acquire_timeout,
                        # Give up re-adding a lost connection quickly: the pool then opens
                        # a new one on demand at once, instead of after a backoff grown
                        # during the outage (which kept answering 503 long after a restart).
                        reconnect_timeout=2.0,
                        open=False,
                    )
                    pool.open(wait=True, timeout=self.open_timeout)
                    self._pool = pool
        return self._pool

    @contextmanager
    def tenant(
        self, tenant_id: uuid.UUID | str, mode: str | None = None
    ) -> Iterator[psycopg.Connection]:
        """A transaction in which only `tenant_id`'s rows exist; with `mode` (`live` or
        `test`, an API key's), only that mode's sessions (shared/tenancy/modes.py)."""
        tid = str(uuid.UUID(str(tenant_id)))
        with self._transaction(tid) as conn:
            if mode is not None:
                conn.execute("SELECT set_config('idmesh.mode', %s, true)", (mode,))
            yield conn

    @contextmanager
    def no_tenant(self) -> Iterator[psycopg.Connection]:
        """A transaction with no tenant: sees no tenant rows; for the auth look-ups."""
        with self._transaction(None) as conn:
            yield conn

    @contextmanager
    def _transaction(self, tid: str | None) -> Iterator[psycopg.Connection]:
        for attempt in range(2):
            stack = ExitStack()
            try:
                conn = stack.enter_context(self.pool.connection())
                stack.enter_context(conn.transaction())
                conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (tid or "",))
            except PoolTimeout:
                raise  # no connection to be had: retrying would only double the wait
            except psycopg.OperationalError:
                # The server closed this connection (e.g. it restarted after the check):
                # hand it back (the pool discards a broken one) and retry once.
                with suppress(psycopg.Error):
                    stack.close()
                if attempt:
                    raise
                continue
            with stack:
                yield conn
            return

    def ping(self) -> bool:
        try:
            with self.pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except Exception:  # noqa: BLE001 - readiness answers false on any failure
            return False

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
