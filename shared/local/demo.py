"""`idmesh demo`: a whole verification on this machine, as a newcomer would see it.

Brings the stack up, registers a tenant headlessly, sets a webhook endpoint, creates an
email + phone workflow and a session, submits it, requests both codes, reads them from the
outbox as the end user would, enters them, waits for the decision, receives and verifies the
signed webhook, prints the session and stops the stack.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable

import httpx

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.local.stack import Stack
from shared.local.webhook_receiver import WebhookReceiver
from shared.messaging.operator_read import read_messages

WORKFLOW = {
    "name": "Contact verification",
    "steps": [
        {"check": "email", "params": {"block_disposable": True}},
        {"check": "phone", "params": {"block_voip": True}},
    ],
    "rules": [
        {
            "name": "disposable email declines",
            "if": {"warning": "EMAIL_DISPOSABLE"},
            "then": "decline",
        }
    ],
}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _quiet(msg: str) -> None:
    pass


def _say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def code_for(
    admin_url: str, recipient: str, timeout: float = 10.0, master_key: bytes | None = None
) -> str:
    """The newest code sent to `recipient` (session codes are sealed: pass the master key)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for m in read_messages(admin_url, recipient, 1, master_key):
            if m["code"]:
                return m["code"]
        time.sleep(0.1)
    raise RuntimeError(f"no code arrived for {recipient}")


def run_verification(
    client: httpx.Client,
    admin_url: str,
    receiver: WebhookReceiver,
    tenant_email: str,
    user_email: str,
    phone: str,
    timeout: float = 60.0,
    say: Callable[[str], None] | None = None,
    master_key: bytes | None = None,
) -> dict:
    """Registration → workflow → session → codes → decision → webhook. Returns figures."""
    _say = say or _quiet
    r = client.post("/v1/register", json={"email": tenant_email, "organization": "Demo Fintech"})
    r.raise_for_status()
    _say(f"registered {tenant_email}; code sent to the outbox")
    r = client.post(
        "/v1/register/verify",
        json={"email": tenant_email, "code": code_for(admin_url, tenant_email)},
    )
    r.raise_for_status()
    tenant = r.json()
    key = {"Authorization": f"Bearer {tenant['api_key']}"}
    _say(f"tenant {tenant['tenant_id']} created; API key {tenant['api_key'][:10]}… (shown once)")
    hook = client.put(
        "/v1/webhook", headers=key, json={"url": receiver.url, "events": ["session.decided"]}
    )
    hook.raise_for_status()
    receiver.secret = hook.json()["secret"]
    wf = client.post("/v1/workflows", headers=key, json=WORKFLOW).json()
    s = client.post(
        "/v1/sessions",
        headers={**key, "Idempotency-Key": str(uuid.uuid4())},
        json={
            "workflow_id": wf["id"],
            "vendor_data": "demo-user-1",
            "expected": {"email": user_email},
        },
    ).json()
    sid = s["session_id"]
    user = {"Authorization": f"Bearer {s['session_token']}"}
    _say(f"session {sid} created; the end user acts with its session token")
    client.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    client.post(
        f"/v1/sessions/{sid}/email", headers=user, json={"email": user_email}
    ).raise_for_status()
    client.post(f"/v1/sessions/{sid}/phone", headers=user, json={"phone": phone}).raise_for_status()
    email_code = code_for(admin_url, user_email, master_key=master_key)
    phone_code = code_for(admin_url, phone, master_key=master_key)
    _say("the end user read both codes and enters them")
    client.post(
        f"/v1/sessions/{sid}/email/check", headers=user, json={"code": email_code}
    ).raise_for_status()
    client.post(
        f"/v1/sessions/{sid}/phone/check", headers=user, json={"code": phone_code}
    ).raise_for_status()
    last_code_at = time.time()
    hook_msg = receiver.wait_for(
        lambda m: m["body"].get("data", {}).get("session_id") == sid, timeout
    )
    if hook_msg is None:
        raise RuntimeError("no webhook arrived for the session")
    session = client.get(f"/v1/sessions/{sid}", headers=key).json()
    return {"session": session, "webhook": hook_msg, "latency_s": hook_msg["at"] - last_code_at}


def run_demo(settings: Settings, keep_running: bool = False, port: int | None = None) -> int:
    if port is not None and not _port_free(port):
        _say(f"port {port} is taken: choose another with --port")
        return 2
    api_port = port or (8080 if _port_free(8080) else _free())
    stack = Stack(settings, api_port=api_port)
    receiver = WebhookReceiver().start()
    _say("starting the stack: Postgres, broker, relay and every function")
    t0 = time.time()
    stack.start()
    _say(f"stack ready in {time.time() - t0:.1f}s; API on {stack.api_url}")
    try:
        with httpx.Client(base_url=stack.api_url, timeout=30) as client:
            tag = uuid.uuid4().hex[:6]
            out = run_verification(
                client,
                stack.urls.admin_db,
                receiver,
                f"founder-{tag}@demo-fintech.example",
                f"ada-{tag}@example.org",
                "+14155552671",
                say=_say,
                master_key=load_master_key(settings),
            )
        s, hook = out["session"], out["webhook"]
        _say(
            f"webhook received ({'signature verified' if hook['verified'] else 'BAD SIGNATURE'})"
            f" {out['latency_s'] * 1000:.0f} ms after the last code was entered:"
        )
        print(json.dumps(hook["body"], indent=2))
        _say("the session:")
        print(json.dumps(s, indent=2, default=str))
        ok = hook["verified"] and s["status"] == "approved"
        _say("verification complete: " + ("APPROVED" if ok else f"status {s['status']}"))
        if keep_running:
            _say("stack still running (Ctrl-C to stop)")
            stack.wait_forever()
        return 0 if ok else 1
    finally:
        receiver.stop()
        stack.stop(stop_database=True)
        _say("stack stopped")


def _free() -> int:
    from shared.db.cluster import free_port

    return free_port()
