"""What every event function needs from the platform: settings, database, keys."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from shared.config import Settings
from shared.crypto.envelope import TenantCipher, load_master_key
from shared.db.bootstrap import database_urls
from shared.db.tenant_tx import Database
from shared.tenancy.tenants import tenant_cipher


@dataclass
class Platform:
    settings: Settings
    db: Database
    master_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, pool_size: int = 4) -> Platform:
        url = settings.app_database_url or database_urls(settings, start=False).app
        size = settings.db_pool_size or pool_size
        return cls(settings, Database(url, max_size=size), load_master_key(settings))

    def cipher(self, conn: psycopg.Connection, tenant_id: str) -> TenantCipher:
        return tenant_cipher(conn, self.master_key, tenant_id)
