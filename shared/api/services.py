"""What the API's routes need, built once per process (after any fork)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from shared.audit import audit
from shared.config import Settings
from shared.crypto.envelope import TenantCipher, load_master_key
from shared.db.function_role import process_database_url
from shared.db.tenant_tx import Database
from shared.http.router import Ctx
from shared.tenancy.registration import Registrations
from shared.tenancy.tenants import Tenant, tenant_cipher


@dataclass
class Services:
    settings: Settings
    db: Database
    master_key: bytes
    registrations: Registrations
    # Called after a tenant is created (e.g. rendering its broker and triggers).
    on_tenant_created: list[Callable[[Tenant], None]] = field(default_factory=list)

    def cipher(self, conn: psycopg.Connection, tenant_id: str) -> TenantCipher:
        return tenant_cipher(conn, self.master_key, tenant_id)

    def caller_cipher(self, ctx: Ctx) -> TenantCipher:
        """The caller's tenant's cipher, on the request's connection."""
        return self.cipher(ctx.conn, ctx.principal.tenant_id)


def audit_caller(
    ctx: Ctx, action: str, session_id: str | None = None, details: dict[str, Any] | None = None
) -> None:
    """An audit entry of the caller's tenant, by the caller, in the request's transaction."""
    audit(ctx.conn, ctx.principal.tenant_id, ctx.principal.actor, action, session_id, details)


def build_services(settings: Settings) -> Services:
    url = process_database_url(settings)
    db = Database(url, acquire_timeout=settings.db_acquire_timeout)
    master = load_master_key(settings)
    services = Services(
        settings=settings,
        db=db,
        master_key=master,
        registrations=Registrations(db, settings, master),
    )
    if settings.manifests_dir:
        from shared.local.provision import write_tenant_manifests

        manifests_dir = settings.manifests_dir
        services.on_tenant_created.append(
            lambda t: write_tenant_manifests(manifests_dir, t.slug, str(t.tenant_id))
        )
    return services
