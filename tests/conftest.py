"""Shared fixtures: a real embedded Postgres, a real API process, real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from shared.config import Settings
from shared.db.bootstrap import DatabaseUrls, prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.process import FunctionProcess, LocalFunction


@dataclass
class PgStack:
    settings: Settings
    urls: DatabaseUrls
    data_dir: Path

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.urls.admin_db, row_factory=dict_row, autocommit=True)

    def env(self) -> dict[str, str]:
        return {
            "IDMESH_DATA_DIR": str(self.data_dir),
            "IDMESH_APP_DATABASE_URL": self.urls.app,
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
            "IDMESH_REGISTRATION_PER_EMAIL_PER_HOUR": "5",
        }


ROOT = Path(__file__).resolve().parents[1]


def idmesh_cli(
    *args: str,
    data_dir: Path | None = None,
    timeout: float = 120,
    unset: tuple[str, ...] = (),
    check: bool = False,
) -> subprocess.CompletedProcess:
    """`python -m shared.cli ARGS` in a process of its own from the repository root, on
    `data_dir` (IDMESH_DATA_DIR) when given, without the environment variables `unset`;
    its output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if data_dir is not None:
        env["IDMESH_DATA_DIR"] = str(data_dir)
    for name in unset:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def make_data_dir() -> Path:
    # The postgres OS user must be able to traverse it (pytest's tmp dirs are 0700).
    path = Path(tempfile.mkdtemp(prefix="idmesh-test-"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def pg() -> Iterator[PgStack]:
    data_dir = make_data_dir()
    settings = Settings(data_dir=data_dir)
    urls = prepare_database(settings)
    try:
        yield PgStack(settings, urls, data_dir)
    finally:
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def function_process(
    pg: PgStack, target: str = "api", name: str | None = None, **env: str
) -> Iterator[str]:
    """One function (default: the API) in its own process on `pg`, with extra IDMESH_*
    settings (`rate_limit_per_minute="5"` sets IDMESH_RATE_LIMIT_PER_MINUTE); its URL."""
    spec = LocalFunction(name=name or target, target=target, folder=target, port=free_port())
    extra = {f"IDMESH_{k.upper()}": v for k, v in env.items()}
    if target in pg.urls.functions:  # the function's own role, as `idmesh up` runs it
        extra.setdefault("IDMESH_FUNCTION_DATABASE_URL", pg.urls.functions[target])
    proc = FunctionProcess(spec, {**pg.env(), **extra}, pg.data_dir / "logs")
    proc.start()
    try:
        proc.wait_ready(60)
        yield spec.url
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def api_url(pg: PgStack) -> Iterator[str]:
    with function_process(pg) as url:
        yield url


@pytest.fixture()
def client(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as c:
        yield c


def latest_message(pg: PgStack, email: str) -> str:
    """The body of the latest message to `email` in the local outbox (there must be one)."""
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT body FROM messages WHERE recipient = %s ORDER BY id DESC LIMIT 1", (email,)
        ).fetchone()
    assert row, f"no message to {email}"
    return row["body"]


def latest_code(pg: PgStack, email: str) -> str:
    return re.search(r"\b(\d{6})\b", latest_message(pg, email)).group(1)


@dataclass
class TenantHandle:
    tenant_id: str
    api_key: str
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


_counter = iter(range(1, 1_000_000))


@pytest.fixture()
def register(client: httpx.Client, pg: PgStack):
    def _register(org: str = "Acme Corp") -> TenantHandle:
        email = f"owner{next(_counter)}-{os.getpid()}@{org.split()[0].lower()}.example.com"
        r = client.post("/v1/register", json={"email": email, "organization": org})
        assert r.status_code == 202, r.text
        code = latest_code(pg, email)
        r = client.post("/v1/register/verify", json={"email": email, "code": code})
        assert r.status_code == 201, r.text
        body = r.json()
        return TenantHandle(body["tenant_id"], body["api_key"], email)

    return _register


SIMPLE_WORKFLOW = {
    "name": "email and phone",
    "steps": [{"check": "email", "required": True}, {"check": "phone", "required": True}],
}


# The shared stack's scrape token (its API serves /internal/metrics to this bearer only).
STACK_METRICS_TOKEN = "stack-scrape-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def stack(pg: PgStack):
    """The whole local stack (broker, relay, every function in its own process) on the
    session's database."""
    os.environ["IDMESH_WEBHOOK_BACKOFF_SCALE"] = "0.02"
    from shared.local.stack import Stack

    s = Stack(
        pg.settings,
        api_port=free_port(),
        run_name="test-stack",
        extra_env={
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
            "IDMESH_WEBHOOK_BACKOFF_SCALE": "0.02",
            # the aml function sees a list the tests load at once (default: every 10 s)
            "IDMESH_AML_REFRESH_SECONDS": "0",
            "IDMESH_METRICS_TOKEN": STACK_METRICS_TOKEN,
            # The tests stand in for a proxy on loopback: their X-Forwarded-For is the end
            # user's address (risk signals).
            "IDMESH_TRUSTED_PROXY_CIDRS": "127.0.0.1/32",
        },
    )
    s.start()
    try:
        yield s
    finally:
        s.stop()
    leaks = personal_data_in(s.root)
    assert not leaks, f"personal data or secrets in logs/spans of the stack: {leaks[:5]}"


@pytest.fixture()
def api(stack, request) -> Iterator[httpx.Client]:
    """A client of the whole stack's API. Its timeout is 30 s, or the test module's
    `API_TIMEOUT` where the module's checks run models (slow first calls on a busy machine)."""
    with httpx.Client(
        base_url=stack.api_url, timeout=getattr(request.module, "API_TIMEOUT", 30)
    ) as c:
        yield c


# What must never reach a log line or a span of any part of the stack, whatever the tests
# sent through it: e-mail addresses, E.164 phone numbers, API keys, session tokens, webhook
# secrets (the tests use all of them on every flow).
_LEAKS = [
    re.compile(r"[\w.+-]+@[\w-]+\.(?:example|com|org|io|net)\b"),
    re.compile(r"\+\d{10,14}\b"),
    re.compile(r"\b(?:idm|ist|whsec)_[A-Za-z0-9_\-+/=]{12,}"),
]


def personal_data_in(root: Path) -> list[str]:
    """Lines of the stack's logs and span files that contain a personal datum or secret."""
    found: list[str] = []
    for path in [*(root / "logs").glob("*.log"), *(root / "spans").glob("*.jsonl")]:
        for line in path.read_text(errors="replace").splitlines():
            if any(p.search(line) for p in _LEAKS):
                found.append(f"{path.name}: {line[:300]}")
    return found


def assert_refused(pg: PgStack, functions: Sequence[str], statements: Sequence[str]) -> None:
    """Each function's own role is refused each statement (no privilege): reference data
    that only the owner role writes."""
    for function in functions:
        with psycopg.connect(pg.urls.functions[function], autocommit=True) as con:
            for stmt in statements:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(stmt)


def register_on(api: httpx.Client, pg: PgStack, org: str = "Test Co") -> dict:
    """Register a tenant headlessly through `api` (the code read from the local outbox);
    the verification's answer (tenant_id, api_key, ...)."""
    from shared.local.demo import code_for

    email = f"t-{uuid.uuid4().hex[:10]}@{org.split()[0].lower()}.example"
    api.post("/v1/register", json={"email": email, "organization": org}).raise_for_status()
    verified = api.post(
        "/v1/register/verify", json={"email": email, "code": code_for(pg.urls.admin_db, email)}
    )
    verified.raise_for_status()
    return verified.json()


def tenant_on(api: httpx.Client, pg: PgStack, org: str = "Test Co") -> dict[str, str]:
    """Register a tenant headlessly through `api`; its API key's Authorization header."""
    return {"Authorization": f"Bearer {register_on(api, pg, org)['api_key']}"}


def subscribe_webhook(
    api: httpx.Client, key: dict[str, str], receiver, events: tuple[str, ...] = ("session.decided",)
) -> None:
    """Point the tenant's webhook at `receiver` for `events`; the receiver keeps the signing
    secret to verify what it gets."""
    hook = api.put("/v1/webhook", headers=key, json={"url": receiver.url, "events": list(events)})
    assert hook.status_code in (200, 201), hook.text
    receiver.secret = hook.json()["secret"]


def wait_decided(
    api: httpx.Client, key: dict[str, str], session_id: str, timeout: float = 120.0
) -> dict:
    """Poll a submitted session until the workflow has decided it; the session."""
    import time

    deadline = time.time() + timeout
    while True:
        got = api.get(f"/v1/sessions/{session_id}", headers=key).json()
        if got["status"] not in ("not_started", "in_progress"):
            return got
        if time.time() > deadline:
            raise AssertionError(f"session not decided: {got}")
        time.sleep(0.2)


def create_workflow(api: httpx.Client, key: dict[str, str], definition: dict) -> str:
    """The workflow `definition`, created for the tenant of `key` (201); its id."""
    r = api.post("/v1/workflows", headers=key, json=definition)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def run_session(
    api: httpx.Client,
    key: dict[str, str],
    workflow_id: str,
    uploads: Sequence[tuple[str, str, bytes, str]] = (),
    *,
    body: dict | None = None,
    user_headers: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> dict:
    """A session of `workflow_id` (with extra `body` fields) run as its end user would:
    each upload (kind, file name, bytes, content type) sent with the session token (and
    `user_headers`), then submitted; the session once the workflow has decided it."""
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": workflow_id, **(body or {})})
    s = s.json()
    sid = s["session_id"]
    user = {"Authorization": f"Bearer {s['session_token']}", **(user_headers or {})}
    for kind, name, data, media in uploads:
        api.post(
            f"/v1/sessions/{sid}/artifacts",
            headers=user,
            data={"kind": kind},
            files={"file": (name, data, media)},
        ).raise_for_status()
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    return wait_decided(api, key, sid, timeout)


def skip_unless_ci(reason: str) -> None:
    """Skip locally when test data is missing; in CI (`CI` set) that is a failure, so a
    headline test cannot pass by silently not running."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI: missing test data fails the run)")
    pytest.skip(reason)
