"""Risk signals and step-up on the platform, with real requests through a trusted proxy:
the IP country against the document's issuing state, velocity of a document number and of
an address, private ranges, and a step-up workflow that adds active liveness only when the
IP country differs from the document's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import run_session, tenant_on
from tests.documents.generator import make_sample

GB_IP, FR_IP, OTHER_GB_IP = "81.2.69.142", "90.84.0.1", "81.2.69.160"


@pytest.fixture(scope="module")
def french_passport():
    expiry = date.today() + timedelta(days=5 * 365)
    return make_sample(
        "td3", "clean", 2002, changes={"expiry_date": expiry, "issuing_country": "FRA"}
    )


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


def _session(api, key, wf, ip: str | None, front: bytes | None = None) -> dict:
    uploads = [] if front is None else [("document_front", "front.jpg", front, "image/jpeg")]
    headers = {"X-Forwarded-For": ip} if ip else None
    return run_session(api, key, wf, uploads, user_headers=headers, timeout=180)


def _check(session, name):
    found = [c for c in session["checks"] if c["check"] == name]
    return found[0] if found else None


def _signals(session) -> dict[str, dict]:
    return {s["code"]: s for s in _check(session, "risk")["data"]["signals"]}


def test_step_up_adds_liveness_when_the_ip_country_differs(api, pg, french_passport):
    key = tenant_on(api, pg, "Risk Co")
    body = {
        "name": "step-up on a foreign IP",
        "steps": [
            {"check": "id_document", "params": {"check_viz": False}},
            {"check": "risk", "after": ["id_document"]},
            {
                "check": "active_liveness",
                "required": False,  # its outcome (here: no challenge was taken) reviews
                "when": {"country": "ip", "differs_from": "document"},
            },
        ],
    }
    wf = api.post("/v1/workflows", headers=key, json=body)
    assert wf.status_code == 201, wf.text
    wf = wf.json()["id"]

    abroad = _session(api, key, wf, GB_IP, french_passport.front)
    risk = _check(abroad, "risk")
    assert risk["data"]["countries"] == {"ip": "GB", "phone": None, "document": "FR"}
    mismatch = _signals(abroad)["IP_DOCUMENT_COUNTRY_MISMATCH"]
    assert mismatch["evidence"] == {"ip": "GB", "document": "FR"}
    assert mismatch["contribution"] == 30 and risk["score"] == 30
    assert _check(abroad, "active_liveness") is not None  # the step-up ran
    assert abroad["decision"]["conditional_steps"] == [
        {
            "step": "active_liveness",
            "check": "active_liveness",
            "ran": True,
            "why": "ran: ip country GB differs from document country FR",
        }
    ]

    home = _session(api, key, wf, FR_IP, french_passport.front)
    assert _check(home, "active_liveness") is None  # never requested
    assert home["decision"]["conditional_steps"][0]["ran"] is False
    assert (
        "ip country FR equals document country FR"
        in home["decision"]["conditional_steps"][0]["why"]
    )
    # Same document number as the first session: velocity, with the session as evidence.
    velocity = _signals(home)["VELOCITY_DOCUMENT_NUMBER"]
    assert velocity["value"] == 1
    assert velocity["evidence"]["session_ids"] == [abroad["session_id"]]
    assert "IP_DOCUMENT_COUNTRY_MISMATCH" not in _signals(home)

    # The dry run says the same without running anything.
    dry = api.post(
        f"/v1/workflows/{wf}/dry-run",
        headers=key,
        json={
            "results": {"id_document": {"status": "passed"}, "risk": {"status": "passed"}},
            "countries": {"ip": "GB", "document": "FR"},
        },
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["would_run"] == ["active_liveness"]
    bad = api.post(
        f"/v1/workflows/{wf}/dry-run", headers=key, json={"results": {"x": {"status": "passed"}}}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/results/x"


def test_invalid_step_up_workflows_are_refused_with_pointers(api, pg):
    key = tenant_on(api, pg, "Risk Co")
    r = api.post(
        "/v1/workflows",
        headers=key,
        json={
            "name": "w",
            "steps": [
                {"check": "email", "when": {"step": "phone", "status": ["passed"]}},
                {"check": "phone", "after": ["email"]},
            ],
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/steps/0"]
    r = api.post(
        "/v1/workflows",
        headers=key,
        json={"name": "w", "steps": [{"check": "email", "when": {"risk_at_least": 60}}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/steps/0/when"


def test_address_velocity_and_private_ranges(api, pg):
    key = tenant_on(api, pg, "Risk Co")
    wf = api.post(
        "/v1/workflows", headers=key, json={"name": "risk", "steps": [{"check": "risk"}]}
    ).json()["id"]
    # No proxy header: the peer (loopback) is the end user, a reserved range.
    local = _session(api, key, wf, None)
    assert _signals(local)["IP_PRIVATE_RANGE"]["evidence"] == {"prefixes": ["127.0.0.0/24"]}
    assert _check(local, "risk")["data"]["countries"]["ip"] is None
    runs = [_session(api, key, wf, OTHER_GB_IP) for _ in range(6)]
    assert "VELOCITY_IP" not in _signals(runs[4])  # 4 others: under the limit of 5
    v = _signals(runs[5])["VELOCITY_IP"]
    assert v["value"] == 5
    assert set(v["evidence"]["session_ids"]) == {r["session_id"] for r in runs[:5]}
    # Another tenant's sessions from the same address are not counted.
    other = tenant_on(api, pg, "Other Co")
    owf = api.post(
        "/v1/workflows", headers=other, json={"name": "risk", "steps": [{"check": "risk"}]}
    ).json()["id"]
    assert "VELOCITY_IP" not in _signals(_session(api, other, owf, OTHER_GB_IP))
