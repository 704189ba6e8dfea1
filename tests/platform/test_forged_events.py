"""Events are notifications, not authority (issue 12, layer 1: state is the truth).

The three attacks found on the local stack, replayed on real processes: forged events that
reach the broker or a function are refused and change nothing — no webhook, no flipped
decision, no state change — because every consumer re-reads what it acts on from Postgres.
The forger here holds a valid workload token (`stack.token_for`), as a compromised sender
inside the mesh would: this layer must hold on its own, without the sender check.
"""

from __future__ import annotations

import time
import uuid

import httpx
from cloudevents.http import CloudEvent

from events import CHECK_REQUESTED, SESSION_DECIDED, SESSION_INPUT, to_binary_http
from shared.local.demo import code_for
from tests.conftest import wait_decided
from tests.platform.helpers import stack_tenant, wait_quiet

US_PHONE = "+14155552671"


def _session(api, key, wf) -> tuple[str, dict]:
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    return s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}


def _forge(
    ev_type: str, data: dict, tenant_id: str, session_id: str, checktype: str | None = None
) -> CloudEvent:
    """An event as an attacker writes it: well-formed, any id, any data."""
    attrs = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/idmesh/orchestrator",
        "type": ev_type,
        "tenantid": tenant_id,
        "sessionid": session_id,
        "datacontenttype": "application/json",
    }
    if checktype:
        attrs["checktype"] = checktype
    return CloudEvent(attrs, data)


def _post(stack, url: str, ev, sender: str) -> httpx.Response:
    """POST an event as the workload `sender` would (a valid token for `url`'s receiver)."""
    headers, body = to_binary_http(ev)
    headers.update(stack.auth_headers(sender, url))
    return httpx.post(url, headers=headers, content=body, timeout=30)


def _verify(api, pg, sid, user, channel: str, target: str) -> None:
    body = {"email": target} if channel == "email" else {"phone": target}
    api.post(f"/v1/sessions/{sid}/{channel}", headers=user, json=body).raise_for_status()
    code = code_for(pg.urls.admin_db, target)
    r = api.post(f"/v1/sessions/{sid}/{channel}/check", headers=user, json={"code": code})
    r.raise_for_status()


def _dead_letter(pg, event_id: str, timeout: float = 60.0) -> dict | None:
    # A 409 refusal is retried first (Knative's SelectiveRetry retries 409): 5 retries with
    # exponential backoff from 0.5 s take about 31 s before the dead-letter sink gets it.
    deadline = time.time() + timeout
    while time.time() < deadline:
        with pg.admin() as conn:
            row = conn.execute(
                "SELECT * FROM dead_letters WHERE event_id = %s", (event_id,)
            ).fetchone()
        if row is not None:
            return dict(row)
        time.sleep(0.2)
    return None


CONTACT = {
    "name": "contact",
    "steps": [{"check": "email"}, {"check": "phone"}],
}


def test_forged_decision_on_the_broker_signs_no_webhook(api, pg, stack, receiver):
    """Attack 1: `session.decided` posted to a tenant's broker with that tenant's id, for an
    in-progress session of its own, another tenant's session and a session that does not
    exist: before the fix all three became correctly signed `approved` webhooks."""
    tid_a, key_a, wf_a, slug_a = stack_tenant(api, pg, CONTACT, receiver)
    _, key_b, wf_b, _ = stack_tenant(api, pg, CONTACT)
    own, own_user = _session(api, key_a, wf_a)
    api.post(f"/v1/sessions/{own}/submit", headers=own_user).raise_for_status()
    other, _ = _session(api, key_b, wf_b)
    ghost = str(uuid.uuid4())
    ingress = f"{stack.broker_url}/tenant-{slug_a}/default"
    forged = []
    for sid in (own, other, ghost):
        ev = _forge(
            SESSION_DECIDED,
            {"session_id": sid, "status": "approved", "rule": "forged", "reason_codes": []},
            tid_a,
            sid,
        )
        assert _post(stack, ingress, ev, "relay").status_code == 202
        forged.append(ev)
    for ev in forged:
        row = _dead_letter(pg, ev["id"])
        assert row is not None, "a forged decision was neither refused nor dead-lettered"
        assert row["error_code"] in ("403", "409")
    named = (own, other, ghost)
    assert receiver.wait_for(lambda m: m["body"]["data"]["session_id"] in named, 2) is None
    assert api.get(f"/v1/sessions/{own}", headers=key_a).json()["status"] == "in_progress"
    with pg.admin() as conn:
        delivered = conn.execute(
            "SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ANY(%s)",
            ([ev["id"] for ev in forged],),
        ).fetchone()["n"]
    assert delivered == 0
    # A genuine decision still reaches the tenant, its payload from the stored row.
    legit, user = _session(api, key_a, wf_a)
    _verify(api, pg, legit, user, "email", f"ok{uuid.uuid4().hex[:6]}@example.org")
    _verify(api, pg, legit, user, "phone", US_PHONE)
    api.post(f"/v1/sessions/{legit}/submit", headers=user).raise_for_status()
    done = wait_decided(api, key_a, legit)
    hook = receiver.wait_for(lambda m: m["body"]["data"]["session_id"] == legit, 20)
    assert hook and hook["verified"]
    assert hook["body"]["data"]["status"] == done["status"]
    assert hook["body"]["data"]["rule"] == done["decision"]["rule"]


def test_forged_check_request_cannot_drop_the_workflow_params(api, pg, stack):
    """Attack 2: the phone step allows GB numbers only; the user's number is American, so
    the session must be declined. A forged `check.requested` with `params: {}` made it
    `approved` because the check took its params from the event."""
    workflow = {
        "name": "GB phones only",
        "steps": [
            {"check": "phone", "params": {"allowed_countries": ["GB"]}},
            {"check": "email"},
        ],
    }
    tid, key, wf, slug = stack_tenant(api, pg, workflow)
    sid, user = _session(api, key, wf)
    _verify(api, pg, sid, user, "phone", US_PHONE)
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    wait_quiet(pg, tid, sid, 2)
    ingress = f"{stack.broker_url}/tenant-{slug}/default"
    # With `params: {}` (what the check used to take from the event): not an event of the
    # schema any more, refused (400) by the check and by the dead-letter sink alike, so the
    # broker keeps it as a dead letter whose sink failed.
    forged = _forge(
        CHECK_REQUESTED,
        {"session_id": sid, "check": "phone", "step": 0, "attempt": 2, "params": {}},
        tid,
        sid,
        "phone",
    )
    assert _post(stack, ingress, forged, "relay").status_code == 202
    trigger = f'sink="sink-failed",trigger="tenant-{slug}/check-phone"'
    deadline = time.time() + 30
    while trigger not in httpx.get(f"{stack.broker_url}/metrics").text:
        assert time.time() < deadline, "the forged request was not refused"
        time.sleep(0.2)
    # Without params, a new request id the orchestrator never made due: refused (409),
    # dead-lettered into Postgres.
    forged = _forge(
        CHECK_REQUESTED,
        {"session_id": sid, "check": "phone", "step": 0, "attempt": 2},
        tid,
        sid,
        "phone",
    )
    assert _post(stack, ingress, forged, "relay").status_code == 202
    row = _dead_letter(pg, forged["id"])
    assert row is not None and row["error_code"] == "409"
    with pg.admin() as conn:
        phone = conn.execute(
            "SELECT status FROM checks WHERE session_id = %s AND check_name = 'phone'", (sid,)
        ).fetchone()
    assert phone["status"] == "failed"
    _verify(api, pg, sid, user, "email", f"gb{uuid.uuid4().hex[:6]}@example.org")
    done = wait_decided(api, key, sid)
    assert done["status"] == "declined"
    assert "PHONE_COUNTRY_NOT_ALLOWED" in done["decision"]["reason_codes"]


def test_forged_request_and_input_at_function_ports_change_nothing(api, pg, stack):
    """Attack 3: a forged `check.requested` sent straight to a function port (invalid params
    made the step an error), then a forged `session.input`, put a session into `in_review`
    with no user action."""
    workflow = {"name": "phone only", "steps": [{"check": "phone"}]}
    tid, key, wf, _ = stack_tenant(api, pg, workflow)
    sid, user = _session(api, key, wf)
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    wait_quiet(pg, tid, sid, 1)

    def snapshot():
        with pg.admin() as conn:
            return (
                conn.execute("SELECT status FROM sessions WHERE id = %s", (sid,)).fetchone(),
                conn.execute(
                    "SELECT step, status, updated_at FROM checks WHERE session_id = %s", (sid,)
                ).fetchall(),
                conn.execute(
                    "SELECT count(*) AS n FROM outbox WHERE tenant_id = %s", (tid,)
                ).fetchone(),
            )

    before = snapshot()
    phone_url = stack.processes["phone"].spec.url
    for extra in ({"params": {"allowed_countries": 7}}, {}):
        req = _forge(
            CHECK_REQUESTED,
            {"session_id": sid, "check": "phone", "step": 0, **extra},
            tid,
            sid,
            "phone",
        )
        r = _post(stack, phone_url, req, "broker-filter")
        assert r.status_code in (400, 409), r.text
    nudge = _forge(
        SESSION_INPUT, {"session_id": sid, "input": "phone_verified", "check": "phone"}, tid, sid
    )
    r = _post(stack, stack.processes["orchestrator"].spec.url, nudge, "broker-filter")
    assert r.status_code in (200, 202)
    wait_quiet(pg, tid, sid, 1)  # anything the nudge set off has run (outbox drained)
    assert snapshot() == before
    assert api.get(f"/v1/sessions/{sid}", headers=key).json()["status"] == "in_progress"
