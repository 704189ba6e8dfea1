"""The event-driven flow on the real local stack: broker, relay, functions, webhooks."""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from events import CHECK_REQUESTED, SESSION_SUBMITTED, build_event, to_binary_http
from shared.crypto.envelope import load_master_key
from shared.eventing.outbox import row_to_event
from shared.local.demo import WORKFLOW, code_for
from shared.local.webhook_receiver import WebhookReceiver
from shared.webhooks.signing import sign
from shared.workload.identity import pingsource_subject, service_audience
from tests.platform.helpers import approved_verification, stack_tenant, wait_quiet


def _tenant(api, pg, receiver=None):
    tid, key, wf, _ = stack_tenant(api, pg, WORKFLOW, receiver)
    return tid, key, wf


def _wait_status(api, key, sid, statuses, timeout=30.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = api.get(f"/v1/sessions/{sid}", headers=key).json()
        if s["status"] in statuses:
            return s
        time.sleep(0.1)
    raise AssertionError(f"session {sid} still {s['status']}")


def _verify_contact(api, pg, sid, user, email, phone="+14155552671"):
    api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email}).raise_for_status()
    api.post(f"/v1/sessions/{sid}/phone", headers=user, json={"phone": phone}).raise_for_status()
    for ch, target in (("email", email), ("phone", phone)):
        code = code_for(pg.urls.admin_db, target, master_key=load_master_key(pg.settings))
        api.post(
            f"/v1/sessions/{sid}/{ch}/check", headers=user, json={"code": code}
        ).raise_for_status()


def test_demo_path(api, pg, receiver):
    out = approved_verification(api, pg, receiver, "demo.example")
    assert {c["check"]: c["status"] for c in out["session"]["checks"]} == {
        "email": "passed",
        "phone": "passed",
    }
    assert out["session"]["decision"]["rule"] == "default:passed"


def test_disposable_email_is_declined_by_rule(api, pg, receiver):
    tid, key, wf = _tenant(api, pg, receiver)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    user = {"Authorization": f"Bearer {s['session_token']}"}
    # Codes entered before submit: the steps pass at once when the workflow starts.
    _verify_contact(api, pg, s["session_id"], user, f"x{uuid.uuid4().hex[:6]}@mailinator.com")
    api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user).raise_for_status()
    done = _wait_status(api, key, s["session_id"], {"declined", "approved", "in_review"})
    assert done["status"] == "declined"
    assert done["decision"]["rule"] == "disposable email declines"
    assert "EMAIL_DISPOSABLE" in done["decision"]["reason_codes"]
    hook = receiver.wait_for(lambda m: m["body"]["data"]["session_id"] == s["session_id"], 20)
    assert hook and hook["verified"] and hook["body"]["data"]["status"] == "declined"


def test_wrong_codes_then_lockout_declines(api, pg):
    tid, key, wf = _tenant(api, pg)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    email = f"y{uuid.uuid4().hex[:6]}@example.org"
    api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email}).raise_for_status()
    # A resend within 30 s is refused with Retry-After.
    again = api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
    code = code_for(pg.urls.admin_db, email, master_key=load_master_key(pg.settings))
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        r = api.post(f"/v1/sessions/{sid}/email/check", headers=user, json={"code": wrong})
        assert r.status_code == 400 and f"({left} attempts left)" in r.json()["detail"]
    r = api.post(f"/v1/sessions/{sid}/email/check", headers=user, json={"code": code})
    assert r.status_code == 429
    # The step is still waiting (the user may ask for a new code); the session is in progress.
    deadline = time.time() + 20
    while time.time() < deadline:
        s = api.get(f"/v1/sessions/{sid}", headers=key).json()
        if len(s["checks"]) == 2:
            break
        time.sleep(0.1)
    assert s["status"] == "in_progress"
    steps = {c["check"]: c for c in s["checks"]}
    assert steps["email"]["status"] == "pending"
    with pg.admin() as conn:
        stored = conn.execute(
            "SELECT code_hash FROM otp_codes WHERE session_id = %s", (sid,)
        ).fetchone()
    assert code not in stored["code_hash"]


def _post_event(url, ev, stack=None, sender="broker-filter"):
    """POST an event to a receiver; with `stack`, as the workload `sender` would (a valid
    token for that receiver: the broker's Trigger identity for functions, the relay for a
    broker ingress)."""
    headers, body = to_binary_http(ev)
    if stack is not None:
        headers.update(stack.auth_headers(sender, url))
    return httpx.post(url, headers=headers, content=body, timeout=30)


def test_event_delivered_twice_changes_nothing(api, pg, stack):
    tid, key, wf = _tenant(api, pg)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid = s["session_id"]
    user = {"Authorization": f"Bearer {s['session_token']}"}
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    # Wait until the flow is quiet: both steps answered (waiting for codes), outbox drained.
    wait_quiet(pg, tid, sid, 2)

    def snapshot():
        with pg.admin() as conn:
            return (
                conn.execute(
                    "SELECT count(*) AS n FROM outbox WHERE tenant_id = %s", (tid,)
                ).fetchone()["n"],
                conn.execute(
                    "SELECT step, status, updated_at FROM checks WHERE session_id = %s "
                    "ORDER BY step",
                    (sid,),
                ).fetchall(),
            )

    ev = build_event(
        SESSION_SUBMITTED, {"session_id": sid, "workflow_id": wf, "workflow_version": 1}, tid, "api"
    )
    orch = stack.processes["orchestrator"].spec.url
    assert _post_event(orch, ev, stack).status_code == 202
    before = snapshot()
    assert _post_event(orch, ev, stack).status_code == 202
    assert snapshot() == before
    # A check function answers a redelivered request with the same reply, and writes nothing.
    with pg.admin() as conn:
        stored = conn.execute(
            "SELECT event FROM outbox WHERE tenant_id = %s AND event_type = %s "
            "AND event->'data'->>'session_id' = %s AND event->'data'->>'check' = 'email'",
            (tid, CHECK_REQUESTED, sid),
        ).fetchone()
    req = row_to_event(stored["event"])
    email_fn = stack.processes["email"].spec.url
    r1 = _post_event(email_fn, req, stack)
    mid = snapshot()
    r2 = _post_event(email_fn, req, stack)
    assert r1.status_code == r2.status_code == 200
    assert r1.headers["ce-id"] == r2.headers["ce-id"] and r1.content == r2.content
    assert json.loads(r2.content)["status"] == "pending"
    assert snapshot() == mid


def test_event_of_another_tenant_is_refused(api, pg, stack):
    tid_a, key_a, wf_a = _tenant(api, pg)
    tid_b, _, _ = _tenant(api, pg)
    s = api.post("/v1/sessions", headers=key_a, json={"workflow_id": wf_a}).json()
    sid = s["session_id"]
    forged = build_event(
        SESSION_SUBMITTED,
        {"session_id": sid, "workflow_id": wf_a, "workflow_version": 1},
        tid_b,
        "api",
    )
    r = _post_event(stack.processes["orchestrator"].spec.url, forged, stack)
    assert r.status_code == 403
    forged_check = build_event(
        CHECK_REQUESTED, {"session_id": sid, "check": "phone", "step": 1}, tid_b, "orchestrator"
    )
    phone_url = stack.processes["phone"].spec.url
    assert _post_event(phone_url, forged_check, stack).status_code == 403
    # Malformed events are refused with 400 (never retried).
    orch_url = stack.processes["orchestrator"].spec.url
    bad = httpx.post(
        orch_url,
        content=b"{}",
        headers={
            "content-type": "application/json",
            **stack.auth_headers("broker-filter", orch_url),
        },
    )
    assert bad.status_code == 400
    # The broker of tenant B refuses tenant A's events.
    with pg.admin() as conn:
        slug_b = conn.execute("SELECT slug FROM tenants WHERE id = %s", (tid_b,)).fetchone()["slug"]
    mine = build_event(
        SESSION_SUBMITTED,
        {"session_id": sid, "workflow_id": wf_a, "workflow_version": 1},
        tid_a,
        "api",
    )
    r = _post_event(f"{stack.broker_url}/tenant-{slug_b}/default", mine, stack, "relay")
    assert r.status_code == 400
    assert api.get(f"/v1/sessions/{sid}", headers=key_a).json()["status"] == "not_started"


def test_killed_check_function_still_ends_decided(api, pg, stack, receiver):
    tid, key, wf = _tenant(api, pg, receiver)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    email = f"k{uuid.uuid4().hex[:6]}@example.org"
    _verify_contact(api, pg, sid, user, email)
    phone_proc = stack.processes["phone"]
    phone_proc.kill()  # as a crash would; the supervisor restarts it
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    done = _wait_status(api, key, sid, {"approved", "declined", "in_review"}, timeout=60)
    assert done["status"] == "approved"
    assert phone_proc.restarts >= 1
    assert receiver.wait_for(lambda m: m["body"]["data"]["session_id"] == sid, 20)


def test_webhook_retried_logged_and_resent(api, pg):
    flaky = WebhookReceiver(fail_first=2).start()
    try:
        tid, key, wf = _tenant(api, pg, flaky)
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
        sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
        _verify_contact(api, pg, sid, user, f"w{uuid.uuid4().hex[:6]}@example.org")
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
        got = flaky.wait_for(lambda m: m["body"]["data"]["session_id"] == sid, 30)
        assert got and got["verified"]
        deadline = time.time() + 10
        while True:  # the attempt's row commits just after the receiver answered
            deliveries = api.get("/v1/webhook/deliveries", headers=key).json()["items"]
            d = next(x for x in deliveries if x["session_id"] == sid)
            if d["status"] == "delivered" or time.time() > deadline:
                break
            time.sleep(0.1)
        assert d["status"] == "delivered" and d["attempts"] == 3
        assert [a["status_code"] for a in d["attempt_log"]] == [503, 503, 204]
        # Resend: delivered again with the same webhook-id (receivers de-duplicate on it).
        r = api.post(f"/v1/webhook/deliveries/{d['id']}/resend", headers=key)
        assert r.status_code == 202
        deadline = time.time() + 20
        while (
            time.time() < deadline
            and len([m for m in flaky.received if m["body"]["data"]["session_id"] == sid]) < 2
        ):
            time.sleep(0.1)
        same = [m for m in flaky.received if m["body"]["data"]["session_id"] == sid]
        assert (
            len(same) == 2 and same[0]["headers"]["webhook-id"] == same[1]["headers"]["webhook-id"]
        )
    finally:
        flaky.stop()


def test_signatures_verify_independently_and_fail_when_tampered():
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    body = json.dumps({"type": "session.decided", "data": {"session_id": "x"}}).encode()
    ts = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, "msg_1", ts, body),
    }
    wh = Webhook(secret)
    assert wh.verify(body, headers)["type"] == "session.decided"
    with pytest.raises(WebhookVerificationError):
        wh.verify(body.replace(b"x", b"y"), headers)
    old = int(time.time()) - 600
    stale = {
        **headers,
        "webhook-timestamp": str(old),
        "webhook-signature": sign(secret, "msg_1", old, body),
    }
    with pytest.raises(WebhookVerificationError):
        wh.verify(body, stale)
    # Rotation: either of two space-separated signatures verifies.
    other = "whsec_" + base64.b64encode(b"z" * 24).decode()
    both = {
        **headers,
        "webhook-signature": sign(other, "msg_1", ts, body) + " " + headers["webhook-signature"],
    }
    assert wh.verify(body, both)


def test_final_refusal_reaches_the_dead_letter_sink(api, pg, stack):
    tid, key, wf = _tenant(api, pg)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    with pg.admin() as conn:
        slug = conn.execute("SELECT slug FROM tenants WHERE id = %s", (tid,)).fetchone()["slug"]
    # Step 9 does not exist in the workflow: the email function refuses it (400, final).
    bad = build_event(
        CHECK_REQUESTED,
        {"session_id": s["session_id"], "check": "email", "step": 9},
        tid,
        "orchestrator",
    )
    r = _post_event(f"{stack.broker_url}/tenant-{slug}/default", bad, stack, "relay")
    assert r.status_code == 202
    deadline = time.time() + 30
    row = None
    while time.time() < deadline and row is None:
        with pg.admin() as conn:
            row = conn.execute(
                "SELECT * FROM dead_letters WHERE event_id = %s", (bad["id"],)
            ).fetchone()
        time.sleep(0.2)
    assert row is not None, "the refused event never reached the dead-letter sink"
    assert row["tenant_id"] == uuid.UUID(tid) and row["error_code"] == "400"
    listed = api.get("/v1/dead-letters", headers=key).json()["items"]
    assert [d["event_id"] for d in listed] == [bad["id"]] and listed[0]["error_code"] == "400"


def test_relay_function_publishes_on_a_tick(api, pg, stack):
    """The relay function, ticked by its PingSource, publishes the due outbox rows: a row
    written for the test reaches the broker (a stand-in that records the events) and is
    marked published. The stack's own relay is paused meanwhile, so only this process can
    publish it (its tick or its NOTIFY loop, whichever takes the row first)."""
    import os
    import signal
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from shared.db.cluster import free_port
    from shared.eventing.outbox import enqueue
    from shared.local.process import FunctionProcess, LocalFunction

    received: list[str] = []
    got = threading.Event()

    class Broker(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("content-length", "0")))
            received.append(self.headers.get("ce-id", ""))
            got.set()
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    broker = ThreadingHTTPServer(("127.0.0.1", 0), Broker)
    threading.Thread(target=broker.serve_forever, daemon=True).start()
    tid, _, wf = _tenant(api, pg)
    own_relay = stack.processes["relay"].proc.pid
    proc = FunctionProcess(
        LocalFunction("relay", "relay", "relay", free_port(), ready_path="/healthz"),
        {
            **stack.env(),
            **stack.database_env("relay"),
            "IDMESH_BROKER_URL": f"http://127.0.0.1:{broker.server_address[1]}",
        },
        stack.root / "logs",
    )
    os.killpg(own_relay, signal.SIGSTOP)
    proc.start()
    try:
        proc.wait_ready(60)
        tick = {
            "ce-type": "dev.knative.sources.ping",
            "ce-id": "1",
            "ce-source": "/ping",
            "ce-specversion": "1.0",
        }
        # Only the relay's PingSource may tick it (its own OIDC identity and audience).
        aud = service_audience("idmesh", "relay")
        other = stack.auth_headers("broker-filter", proc.spec.url, audience=aud)
        r = httpx.post(proc.spec.url, json={"reason": "tick"}, headers={**tick, **other})
        assert r.status_code == 403
        assert httpx.post(proc.spec.url, json={"reason": "tick"}, headers=tick).status_code == 401
        ev = build_event(
            SESSION_SUBMITTED,
            {"session_id": str(uuid.uuid4()), "workflow_id": wf, "workflow_version": 1},
            tid,
            "api",
        )
        with pg.admin() as conn:
            enqueue(conn, ev)
        ping = stack.auth_headers(
            pingsource_subject("idmesh", "relay-tick"), proc.spec.url, audience=aud
        )
        r = httpx.post(proc.spec.url, json={"reason": "tick"}, headers={**tick, **ping})
        assert r.status_code == 202
        assert int(r.headers["x-idmesh-failed"]) == 0
        deadline = time.time() + 10
        while ev["id"] not in received and time.time() < deadline:
            got.wait(0.1)
            got.clear()
        assert ev["id"] in received, f"the relay did not publish the row ({received})"
        deadline, row = time.time() + 10, None
        while time.time() < deadline:  # marked after the broker's answer
            with pg.admin() as conn:
                row = conn.execute(
                    "SELECT published_at FROM outbox WHERE event->>'id' = %s", (ev["id"],)
                ).fetchone()
            if row is not None and row["published_at"] is not None:
                break
            time.sleep(0.05)
        assert row is not None and row["published_at"] is not None
    finally:
        proc.stop()
        os.killpg(own_relay, signal.SIGCONT)
        broker.shutdown()
        broker.server_close()
