"""Small helpers for platform tests: real images, counting rows as an operator."""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import PgStack, register_on, subscribe_webhook

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


# The functions an e-mail + phone verification goes through (a stack of just these serves it).
EMAIL_PHONE_FUNCTIONS = [
    "api",
    "relay",
    "orchestrator",
    "email",
    "phone",
    "webhooks",
    "provisioner",
    "dead_letters",
]


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


def row_counts(pg: PgStack, tenant_id: str | None = None) -> dict[str, int]:
    """Every tenant table's row count, read by the superuser (bypasses RLS).

    With `tenant_id`, tenant tables (and messages) count only that tenant's rows, so work
    the shared stack is still finishing for earlier tests' tenants cannot race the count;
    registrations and tenants are always counted whole (a request must not create either)."""
    where = " WHERE tenant_id = %s" if tenant_id else ""
    args = (tenant_id,) if tenant_id else ()
    with pg.admin() as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) AS n FROM {t}{where}", args).fetchone()["n"]
            for t in (*TENANT_TABLES, "messages")
        }
        for t in ("tenants", "registrations"):
            counts[t] = conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]
        return counts


def stack_tenant(api, pg: PgStack, workflow: dict, receiver=None) -> tuple[str, dict, str, str]:
    """A tenant registered through the stack's API with one workflow (and its webhook on
    `receiver`): (tenant id, API key header, workflow id, slug)."""
    reg = register_on(api, pg, "Flow Co")
    key = {"Authorization": f"Bearer {reg['api_key']}"}
    if receiver is not None:
        subscribe_webhook(api, key, receiver)
    wf = api.post("/v1/workflows", headers=key, json=workflow).json()["id"]
    with pg.admin() as conn:
        slug = conn.execute(
            "SELECT slug FROM tenants WHERE id = %s", (reg["tenant_id"],)
        ).fetchone()["slug"]
    return reg["tenant_id"], key, wf, slug


def approved_verification(api, pg: PgStack, receiver, domain: str) -> dict:
    """The demo's e-mail + phone verification on the stack, by a new tenant of `domain`
    (webhook on `receiver`): it must be approved and its webhook verified. Its outcome."""
    import uuid

    from shared.crypto.envelope import load_master_key
    from shared.local.demo import run_verification

    tag = uuid.uuid4().hex[:6]
    out = run_verification(
        api,
        pg.urls.admin_db,
        receiver,
        f"t-{tag}@{domain}",
        f"u-{tag}@example.org",
        "+14155552671",
        master_key=load_master_key(pg.settings),
    )
    assert out["session"]["status"] == "approved"
    assert out["webhook"]["verified"]
    return out


def wait_quiet(pg, tid: str, sid: str, steps: int, timeout: float = 30.0) -> None:
    """Wait until the workflow has answered `steps` steps and the outbox is drained."""
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        with pg.admin() as conn:
            answered = conn.execute(
                "SELECT count(*) AS n FROM checks WHERE session_id = %s AND event_id IS NOT NULL",
                (sid,),
            ).fetchone()["n"]
            unpublished = conn.execute(
                "SELECT count(*) AS n FROM outbox WHERE tenant_id = %s AND published_at IS NULL",
                (tid,),
            ).fetchone()["n"]
        if answered >= steps and unpublished == 0:
            time.sleep(0.5)
            return
        time.sleep(0.1)
    raise AssertionError("the workflow never went quiet")
