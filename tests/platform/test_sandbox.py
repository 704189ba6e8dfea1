"""The sandbox on the platform: a test key's sessions reach every documented outcome from
magic inputs without images, with the fixed one-time code and no message sent, their
decisions arrive as signed webhooks exactly as in production, live and test data are
invisible to the other mode's keys, and test sessions are erased after their retention."""

from __future__ import annotations

import httpx
import pytest

from shared.db.tenant_tx import Database
from shared.sessions.sweeper import SessionSweeper
from tests.conftest import tenant_on, wait_decided

WORKFLOW = {
    "name": "document, selfie, email",
    "steps": [
        {"check": "id_document"},
        {"check": "face_match", "after": ["id_document"]},
        {"check": "email"},
    ],
}
# (vendor_data, email, expected status, expected reason codes) — docs/sandbox.md's table.
OUTCOMES = [
    (None, "approved@magic.example", "approved", []),
    ("sandbox:approved", "someone@magic.example", "approved", []),
    (
        "sandbox:id_document=declined:DOCUMENT_EXPIRED",
        "a@magic.example",
        "declined",
        ["DOCUMENT_EXPIRED"],
    ),
    (
        "sandbox:face_match=review:FACE_MISMATCH",
        "a@magic.example",
        "in_review",
        ["FACE_MISMATCH"],
    ),
    (
        "sandbox:declined",
        "a@magic.example",
        "declined",
        ["ID_DOCUMENT_FAILED", "FACE_MATCH_FAILED", "EMAIL_FAILED"],
    ),
    (None, "declined+email_disposable@magic.example", "declined", ["EMAIL_DISPOSABLE"]),
    (None, "review+email_role_account@magic.example", "in_review", ["EMAIL_ROLE_ACCOUNT"]),
    ("sandbox:face_match=error", "a@magic.example", "in_review", ["FACE_MATCH_ERROR"]),
    (
        "sandbox:id_document=declined:NOT_A_CODE",
        "a@magic.example",
        "in_review",
        ["SANDBOX_INVALID_MAGIC"],
    ),
]


@pytest.fixture()
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=60) as c:
        yield c


def _test_key(api, live) -> dict[str, str]:
    r = api.post("/v1/api-keys", headers=live, json={"name": "sandbox", "mode": "test"})
    assert r.status_code == 201, r.text
    key = r.json()["api_key"]
    assert key.startswith("idm_test_")
    return {"Authorization": f"Bearer {key}"}


def _run(api, key, wf, vendor_data, email) -> dict:
    body = {"workflow_id": wf, **({"vendor_data": vendor_data} if vendor_data else {})}
    s = api.post("/v1/sessions", headers=key, json=body).json()
    assert s["session_token"].startswith("ist_test_")
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    sent = api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email})
    assert sent.status_code == 202 and sent.json()["sent"] is False, sent.text
    ok = api.post(f"/v1/sessions/{sid}/email/check", headers=user, json={"code": "000000"})
    assert ok.status_code == 200, ok.text
    # No uploads: a test session needs no images.
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    return wait_decided(api, key, sid, 60)


def test_every_documented_outcome_with_signed_webhooks(api, pg, receiver):
    live = tenant_on(api, pg, "Sandbox Co")
    test = _test_key(api, live)
    hook = api.put(
        "/v1/webhook", headers=live, json={"url": receiver.url, "events": ["session.decided"]}
    ).json()
    receiver.secret = hook["secret"]
    wf = api.post("/v1/workflows", headers=test, json=WORKFLOW).json()["id"]  # one for both
    for vendor_data, email, status, codes in OUTCOMES:
        s = _run(api, test, wf, vendor_data, email)
        assert (s["status"], s["decision"]["reason_codes"]) == (status, codes), (vendor_data, email)
        # No model ran: every step but the email one (its own logic, no message) is simulated.
        assert all(c["data"].get("sandbox") for c in s["checks"] if c["check"] != "email")
        got = receiver.wait_for(
            lambda r, sid=s["session_id"]: r["body"]["data"].get("session_id") == sid, 30
        )
        assert got is not None, f"no webhook for {vendor_data} {email}"
        assert got["verified"], "the sandbox's webhook is signed as in production"
        assert got["body"]["data"]["status"] == status
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT count(*) AS n FROM messages WHERE recipient LIKE '%%@magic.example'"
        ).fetchone()["n"]
    assert n == 0, "a test session sent a message"


def test_live_and_test_data_never_cross(api, pg):
    live = tenant_on(api, pg, "Sandbox Co")
    test = _test_key(api, live)
    wf = api.post("/v1/workflows", headers=live, json={"name": "e", "steps": [{"check": "email"}]})
    wf = wf.json()["id"]
    live_s = api.post("/v1/sessions", headers=live, json={"workflow_id": wf}).json()
    test_s = api.post("/v1/sessions", headers=test, json={"workflow_id": wf}).json()
    assert not live_s["session_token"].startswith("ist_test_")
    assert api.get(f"/v1/sessions/{test_s['session_id']}", headers=live).status_code == 404
    assert api.get(f"/v1/sessions/{live_s['session_id']}", headers=test).status_code == 404
    assert api.get(f"/v1/sessions/{test_s['session_id']}", headers=test).status_code == 200
    live_ids = {
        s["id"] if "id" in s else s["session_id"]
        for s in api.get("/v1/sessions", headers=live).json()["items"]
    }
    test_ids = {
        s["id"] if "id" in s else s["session_id"]
        for s in api.get("/v1/sessions", headers=test).json()["items"]
    }
    assert live_s["session_id"] in live_ids and test_s["session_id"] not in live_ids
    assert test_s["session_id"] in test_ids and live_s["session_id"] not in test_ids
    # A test session's token cannot act on a live session either (and vice versa).
    user = {"Authorization": f"Bearer {test_s['session_token']}"}
    r = api.post(f"/v1/sessions/{live_s['session_id']}/submit", headers=user)
    assert r.status_code in (403, 404)
    # Live keys never start a sandbox session: the same request gives a live one.
    assert (
        api.post(
            f"/v1/sessions/{live_s['session_id']}/email",
            headers={"Authorization": f"Bearer {live_s['session_token']}"},
            json={"email": "x@live.example"},
        ).json()["sent"]
        is True
    )

    # Retention: test sessions go after `sandbox_retention_hours` (0 here), live ones stay.
    erased = SessionSweeper(Database(pg.urls.jobs or pg.urls.app), sandbox_hours=0).sweep_sandbox()
    assert erased >= 1
    with pg.admin() as conn:
        rows = {
            str(r["id"]): r
            for r in conn.execute(
                "SELECT id, mode, deleted_at FROM sessions WHERE id = ANY(%s)",
                ([live_s["session_id"], test_s["session_id"]],),
            )
        }
    assert rows[test_s["session_id"]]["deleted_at"] is not None
    assert rows[live_s["session_id"]]["deleted_at"] is None
