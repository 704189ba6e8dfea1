"""Tenant-scoped transactions: the only way domain code touches tenant data.

The tenant is set with `set_config('idmesh.tenant_id', ..., true)`, i.e. for this
transaction only, so a pooled connection never carries one tenant into another's request.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


class Database:
    """A connection pool for the application role, created lazily (after any fork)."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._min = min_size
        self._max = max_size
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
                        open=False,
                    )
                    pool.open(wait=True, timeout=30)
                    self._pool = pool
        return self._pool

    @contextmanager
    def tenant(self, tenant_id: uuid.UUID | str) -> Iterator[psycopg.Connection]:
        """A transaction in which only `tenant_id`'s rows exist."""
        tid = str(uuid.UUID(str(tenant_id)))
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (tid,))
            yield conn

    @contextmanager
    def platform(self) -> Iterator[psycopg.Connection]:
        """A transaction with no tenant: sees no tenant rows; for the auth look-ups."""
        with self.pool.connection() as conn, conn.transaction():
            yield conn

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
