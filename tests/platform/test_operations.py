"""Operations: SMTP and SMS delivery adapters, rate limits, expiry, `idmesh up` and outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared.db.cluster import free_port
from shared.local.process import FunctionProcess, LocalFunction
from tests.conftest import SIMPLE_WORKFLOW, idmesh_cli


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append(envelope)
        return "250 OK"


class _SmsProvider(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        _SmsProvider.received.append((dict(self.headers), body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *a) -> None:
        pass


@pytest.fixture()
def adapters_api(pg):
    """An API process configured with a real SMTP server, an SMS webhook and a low limit."""
    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    sms = ThreadingHTTPServer(("127.0.0.1", 0), _SmsProvider)
    threading.Thread(target=sms.serve_forever, daemon=True).start()
    env = {
        **pg.env(),
        "IDMESH_SMTP_HOST": "127.0.0.1",
        "IDMESH_SMTP_PORT": str(smtp.port),
        "IDMESH_SMTP_STARTTLS": "false",
        "IDMESH_SMS_WEBHOOK_URL": f"http://127.0.0.1:{sms.server_address[1]}/sms",
        "IDMESH_SMS_WEBHOOK_SECRET": "s3cret",
        "IDMESH_RATE_LIMIT_PER_MINUTE": "12",
    }
    spec = LocalFunction("api-adapters", "api", "api", free_port())
    proc = FunctionProcess(spec, env, pg.data_dir / "logs")
    proc.start()
    try:
        proc.wait_ready(60)
        with httpx.Client(base_url=spec.url, timeout=30) as c:
            yield c, inbox
    finally:
        proc.stop()
        smtp.stop()
        sms.shutdown()


def test_codes_go_through_smtp_and_sms_and_rate_limits_apply(adapters_api, pg):
    client, inbox = adapters_api
    email = f"smtp-{uuid.uuid4().hex[:6]}@example.org"
    assert (
        client.post("/v1/register", json={"email": email, "organization": "Mail Co"}).status_code
        == 202
    )
    deadline = time.time() + 10
    while time.time() < deadline and not inbox.messages:
        time.sleep(0.05)
    assert inbox.messages and inbox.messages[0].rcpt_tos == [email]
    code = next(
        w
        for w in inbox.messages[0].content.decode().split()
        if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 6
    ).rstrip(".")
    reg = client.post("/v1/register/verify", json={"email": email, "code": code}).json()
    key = {"Authorization": f"Bearer {reg['api_key']}"}
    wf = client.post("/v1/workflows", headers=key, json=SIMPLE_WORKFLOW).json()["id"]
    sid = client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()["session_id"]
    r = client.post(f"/v1/sessions/{sid}/phone", headers=key, json={"phone": "+14155552671"})
    assert r.status_code == 202
    deadline = time.time() + 10
    while time.time() < deadline and not _SmsProvider.received:
        time.sleep(0.05)
    headers, body = _SmsProvider.received[-1]
    headers = {k.lower(): v for k, v in headers.items()}
    expected = hmac.new(
        b"s3cret", headers["x-idmesh-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["x-idmesh-signature"] == expected
    assert json.loads(body)["to"] == "+14155552671"
    # The tenant's limit is 12 requests a minute: the rest answer 429 with the headers.
    statuses = [client.get("/v1/sessions", headers=key) for _ in range(12)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    r = limited[0]
    assert int(r.headers["Retry-After"]) >= 1 and r.headers["RateLimit-Remaining"] == "0"
    assert r.headers["content-type"] == "application/problem+json"


def test_unsubmitted_sessions_expire(client, register, pg):
    t = register("Expiry Co")
    wf = client.post("/v1/workflows", headers=t.headers, json=SIMPLE_WORKFLOW).json()["id"]
    s = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()
    with pg.admin() as conn:
        conn.execute(
            "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = %s",
            (s["session_id"],),
        )
    got = client.get(f"/v1/sessions/{s['session_id']}", headers=t.headers).json()
    assert got["status"] == "expired"
    user = {"Authorization": f"Bearer {s['session_token']}"}
    r = client.post(f"/v1/sessions/{s['session_id']}/submit", headers=user)
    assert r.status_code == 409


@pytest.mark.slow  # starts every function of the stack (~2 min); ./dev test --slow runs it
def test_idmesh_up_serves_and_stops_cleanly_on_ctrl_c(pg):
    port = free_port()
    env = {**os.environ, "IDMESH_DATA_DIR": str(pg.data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "up", "--port", str(port), "--keep-db"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "idmesh is up" in line or not line:
                break
        assert any("idmesh is up" in ln for ln in lines), "".join(lines)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
        hosted = re.search(r"hosted pages (http://\S+),", "".join(lines)).group(1)
        assert httpx.get(f"{hosted}/readyz").status_code == 200  # the end users' pages
        pids = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
        children = [int(p) for p in pids.stdout.split() if int(p) != proc.pid]
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        deadline = time.time() + 10  # children die with it (PR_SET_PDEATHSIG): wait for it
        while any(_alive(p) for p in children) and time.time() < deadline:
            time.sleep(0.05)
        alive = [p for p in children if _alive(p)]
        assert not alive, f"processes left behind: {alive}"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_outbox_command_lists_codes(pg, client):
    email = f"cli-{uuid.uuid4().hex[:6]}@example.org"
    client.post("/v1/register", json={"email": email, "organization": "Cli Co"})
    out = idmesh_cli("messages", "--to", email, "--json", data_dir=pg.data_dir, check=True)
    msgs = json.loads(out.stdout)
    assert len(msgs) == 1 and msgs[0]["recipient"] == email and "code" in msgs[0]["body"]


def test_sweeper_expires_and_abandons_with_events(pg, client, register):
    from datetime import timedelta

    from shared.db.tenant_tx import Database
    from shared.sessions.sweeper import SessionSweeper

    t = register("Sweep Co")
    wf = client.post("/v1/workflows", headers=t.headers, json=SIMPLE_WORKFLOW).json()["id"]
    a = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()
    b = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()
    client.post(f"/v1/sessions/{b['session_id']}/submit", headers=t.headers).raise_for_status()
    with pg.admin() as conn:
        conn.execute(
            "UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = %s",
            (a["session_id"],),
        )
        conn.execute(
            "UPDATE sessions SET updated_at = now() - interval '8 days' WHERE id = %s",
            (b["session_id"],),
        )
    db = Database(pg.urls.jobs)  # the sweeper runs as the jobs' role
    try:
        assert SessionSweeper(db, idle=timedelta(days=7)).sweep() >= 2
    finally:
        db.close()
    got = {
        s["session_id"]: s["status"]
        for s in client.get("/v1/sessions?limit=100", headers=t.headers).json()["items"]
    }
    assert got[a["session_id"]] == "expired" and got[b["session_id"]] == "abandoned"
    with pg.admin() as conn:
        ev = conn.execute(
            "SELECT count(*) AS n FROM outbox WHERE tenant_id = %s AND event_type = %s "
            "AND event->'data'->>'status' IN ('expired', 'abandoned')",
            (t.tenant_id, "io.idmesh.session.updated.v1"),
        ).fetchone()
    assert ev["n"] == 2
