"""Documents on the platform: the id_document step with the document's portrait against
the selfie, duplicates across sessions, the document-number blocklist, standalone calls."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import create_workflow, run_session, tenant_on
from tests.documents.generator import make_sample

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"

# The document step as these tests run it: MRZ and portrait, the visual-zone check off.
DOCUMENT_STEP = {"check": "id_document", "params": {"check_viz": False}}


@pytest.fixture(scope="module")
def passport():
    expiry = date.today() + timedelta(days=5 * 365)  # valid whenever the test runs
    return make_sample("td3", "perspective", 2001, changes={"expiry_date": expiry})


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


def _tenant(api, pg):
    return tenant_on(api, pg, "Doc Co")


def _run(api, key, wf, front: bytes, selfie: bool = True, face: str = "astronaut.jpg") -> dict:
    uploads = [("document_front", "front.jpg", front, "image/jpeg")]
    if selfie:  # only workflows with a face step take one
        uploads.append(("selfie", "selfie.jpg", (FACES / face).read_bytes(), "image/jpeg"))
    return run_session(api, key, wf, uploads, timeout=180)


def _check(session, name):
    return next(c for c in session["checks"] if c["check"] == name)


def test_document_selfie_duplicates_and_blocklist(api, pg, passport):
    key = _tenant(api, pg)
    wf = create_workflow(
        api,
        key,
        {
            "name": "document + selfie",
            "steps": [
                DOCUMENT_STEP,
                {"check": "face_match", "after": ["id_document"]},
            ],
        },
    )
    first = _run(api, key, wf, passport.front)
    doc = _check(first, "id_document")
    assert doc["status"] in ("passed", "warning"), doc["warnings"]
    assert doc["data"]["mrz"]["lines"] == passport.truth["mrz"]
    assert (
        first["extracted"]["document_number"]["value"]
        == passport.truth["fields"]["document_number"]
    )
    assert doc["data"]["portrait"]["detected"]
    # The passport's portrait is the astronaut photo: the same person's selfie matches.
    match = _check(first, "face_match")
    assert match["status"] in ("passed", "warning"), match["warnings"]
    assert "FACE_MISMATCH" not in [w["code"] for w in match["warnings"]]
    assert match["score"] >= match["data"]["threshold"]

    # Another person's selfie against the same passport is a mismatch, not a pass.
    other = _check(_run(api, key, wf, passport.front, face="biden.jpg"), "face_match")
    assert other["status"] == "failed", other
    assert "FACE_MISMATCH" in [w["code"] for w in other["warnings"]]
    assert other["score"] < other["data"]["threshold"] <= match["score"]

    second = _run(api, key, wf, passport.front)
    assert "POSSIBLE_DUPLICATE_USER" in [
        w["code"] for w in _check(second, "id_document")["warnings"]
    ]
    assert second["status"] in ("in_review", "declined")

    r = api.post(
        "/v1/blocklist",
        headers=key,
        json={"kind": "document_number", "session_id": first["session_id"]},
    )
    assert r.status_code == 201, r.text
    third = _run(api, key, wf, passport.front)
    assert "IN_BLOCKLIST" in [w["code"] for w in _check(third, "id_document")["warnings"]]
    assert third["status"] == "declined"


def test_standalone_id_document(api, pg, passport):
    key = _tenant(api, pg)
    r = api.post(
        "/v1/checks/id_document",
        headers=key,
        data={"params": '{"check_viz": false}'},
        files={"front": ("f.jpg", passport.front, "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["data"]["mrz"]["checks_valid"] and body["data"]["mrz"]["format"] == "TD3"
    junk = api.post(
        "/v1/checks/id_document",
        headers=key,
        files={"front": ("f.jpg", b"\xff\xd8\xff truncated", "image/jpeg")},
    )
    assert junk.status_code == 200 and junk.json()["status"] == "error"


def test_document_number_blocklisted_by_value(api, pg, passport):
    key = _tenant(api, pg)
    wf = create_workflow(
        api,
        key,
        {
            "name": "document",
            "steps": [DOCUMENT_STEP],
        },
    )
    number = passport.truth["fields"]["document_number"]
    r = api.post(
        "/v1/blocklist", headers=key, json={"kind": "document_number", "value": number.lower()}
    )
    assert r.status_code == 201
    got = _run(api, key, wf, passport.front, selfie=False)
    assert "IN_BLOCKLIST" in [w["code"] for w in _check(got, "id_document")["warnings"]]
    assert got["status"] == "declined"
