"""Small helpers for platform tests: real images, counting rows as an operator."""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import PgStack

TENANT_TABLES = (
    "api_keys",
    "workflows",
    "workflow_versions",
    "sessions",
    "artifacts",
    "checks",
    "audit_log",
    "idempotency_keys",
    "outbox",
    "otp_codes",
)


def png_bytes(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 120, 40)
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 200, 90)).save(buf, format="JPEG")
    return buf.getvalue()


def row_counts(pg: PgStack) -> dict[str, int]:
    """Every tenant table's row count, read by the superuser (bypasses RLS)."""
    with pg.admin() as conn:
        return {
            t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]
            for t in (*TENANT_TABLES, "tenants", "registrations", "messages")
        }
