"""What every event function needs from the platform: settings, database, keys."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from shared.config import Settings
from shared.crypto.envelope import TenantCipher, load_master_key
from shared.db.function_role import process_database_url
from shared.db.tenant_tx import Database
from shared.tenancy.tenants import tenant_cipher


@dataclass
class Platform:
    settings: Settings
    db: Database
    master_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, pool_size: int = 4) -> Platform:
        url = process_database_url(settings)
        size = settings.db_pool_size or pool_size
        return cls(
            settings,
            Database(url, max_size=size, acquire_timeout=settings.db_acquire_timeout),
            load_master_key(settings),
        )

    @classmethod
    def for_jobs(cls, settings: Settings, pool_size: int = 4) -> Platform:
        """The platform as the jobs' role: the relay's own (idmesh_fn_relay, when given) or
        idmesh_jobs (`idmesh aml monitor`): the only roles that may call the cross-tenant
        look-ups the relay, the sweeper and AML monitoring start from."""
        url = settings.function_database_url or settings.jobs_database_url
        if not url:  # the embedded cluster (local runs): its tooling is imported only then
            from shared.db.bootstrap import database_urls

            url = database_urls(settings, start=False).jobs
        return cls(settings, Database(url, max_size=pool_size), load_master_key(settings))

    def close(self) -> None:
        """Close the database pool (the function's stop)."""
        self.db.close()

    def cipher(self, conn: psycopg.Connection, tenant_id: str) -> TenantCipher:
        return tenant_cipher(conn, self.master_key, tenant_id)
