"""The tenant's retention periods: decided sessions erased after `retention_days`, their
files sooner (`artifact_retention_days`). One home for `/v1/tenant/retention` and the
console's Retention page."""

from __future__ import annotations

from typing import Any

import psycopg

from shared.audit import audit
from shared.errors import InvalidInput

MAX_DAYS = 3650


def get_retention(conn: psycopg.Connection) -> dict[str, Any]:
    row = conn.execute("SELECT retention_days, artifact_retention_days FROM tenants").fetchone()
    return dict(row)


def set_retention(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    retention_days: int | None,
    artifact_retention_days: int | None,
    actor_name: str | None = None,
) -> dict[str, Any]:
    for name, v in (
        ("retention_days", retention_days),
        ("artifact_retention_days", artifact_retention_days),
    ):
        if v is not None and not 1 <= v <= MAX_DAYS:
            raise InvalidInput(
                f"{name} is 1 to {MAX_DAYS} days",
                errors=[{"pointer": f"/{name}", "detail": f"1 to {MAX_DAYS}"}],
            )
    if (
        retention_days is not None
        and artifact_retention_days is not None
        and artifact_retention_days > retention_days
    ):
        raise InvalidInput(
            "artifact_retention_days cannot exceed retention_days",
            errors=[{"pointer": "/artifact_retention_days", "detail": "too long"}],
        )
    conn.execute(
        "UPDATE tenants SET retention_days = %s, artifact_retention_days = %s",
        (retention_days, artifact_retention_days),
    )
    body = {"retention_days": retention_days, "artifact_retention_days": artifact_retention_days}
    audit(conn, tenant_id, actor, "tenant.retention_set", details=body, actor_name=actor_name)
    return body
