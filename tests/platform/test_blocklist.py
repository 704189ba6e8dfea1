"""Blocklist: entries by value and from a session, and the `blocklist` step deciding."""

from __future__ import annotations

import uuid

from shared.local.demo import code_for
from tests.conftest import tenant_on, wait_decided

WORKFLOW = {
    "name": "email then blocklist",
    "steps": [{"check": "email"}, {"check": "blocklist", "after": ["email"]}],
}


def _tenant(api, pg):
    key = tenant_on(api, pg, "Block Co")
    wf = api.post("/v1/workflows", headers=key, json=WORKFLOW).json()["id"]
    return key, wf


def _session_with_email(api, pg, key, wf, email):
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email}).raise_for_status()
    api.post(
        f"/v1/sessions/{sid}/email/check",
        headers=user,
        json={"code": code_for(pg.urls.admin_db, email)},
    ).raise_for_status()
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    return wait_decided(api, key, sid, 30)


def test_blocklisted_email_declines_and_entries_are_managed(api, pg):
    key, wf = _tenant(api, pg)
    bad = f"fraud-{uuid.uuid4().hex[:6]}@example.org"
    r = api.post("/v1/blocklist", headers=key, json={"kind": "email", "value": bad.upper()})
    assert r.status_code == 201
    entry = r.json()["id"]
    listed = api.get("/v1/blocklist", headers=key).json()["items"]
    assert [e["id"] for e in listed] == [entry] and bad not in str(listed)
    declined = _session_with_email(api, pg, key, wf, bad)
    assert declined["status"] == "declined"
    assert "IN_BLOCKLIST" in declined["decision"]["reason_codes"]
    approved = _session_with_email(api, pg, key, wf, f"ok-{uuid.uuid4().hex[:6]}@example.org")
    assert approved["status"] == "approved"
    # Blocklisting from a session, then removing an entry.
    r = api.post(
        "/v1/blocklist", headers=key, json={"kind": "email", "session_id": approved["session_id"]}
    )
    assert r.status_code == 201
    assert api.delete(f"/v1/blocklist/{entry}", headers=key).status_code == 204
    assert api.delete(f"/v1/blocklist/{entry}", headers=key).status_code == 404


def test_blocklist_bad_input(api, pg):
    key, wf = _tenant(api, pg)
    for body, status in (
        ({"kind": "email", "value": "not-an-email"}, 422),
        ({"kind": "phone", "value": "12"}, 422),
        ({"kind": "face", "value": "x"}, 422),
        ({"kind": "email"}, 422),
        ({"kind": "iris", "value": "x"}, 422),
        ({"kind": "email", "session_id": str(uuid.uuid4())}, 404),
    ):
        r = api.post("/v1/blocklist", headers=key, json=body)
        assert r.status_code == status, (body, r.text)
    assert api.get("/v1/blocklist", headers=key).json()["items"] == []
