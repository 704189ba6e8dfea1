"""An unreadable capture asks the end user to take it again (never a risk decline); the
retake runs only the steps to redo, then the rules decide."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter

from tests.conftest import create_workflow, tenant_on, wait_decided
from tests.documents.generator import make_sample

API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


def _blurred(front: bytes) -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(front)).convert("RGB").filter(ImageFilter.GaussianBlur(4)).save(
        buf, "JPEG", quality=80
    )
    return buf.getvalue()


def _upload(api, sid, user, kind, data):
    return api.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=user,
        data={"kind": kind},
        files={"file": ("f.jpg", data, "image/jpeg")},
    )


def test_a_blurred_passport_is_retaken_then_approved(api, pg):
    key = tenant_on(api, pg, "Retake Co")
    wf = create_workflow(
        api, key, {"name": "document", "steps": [{"check": "id_document"}, {"check": "email"}]}
    )
    sample = make_sample("td3", "clean", 1000)
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    assert _upload(api, sid, user, "document_front", _blurred(sample.front)).status_code == 201
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    # the email step waits for its code; the document's result alone asks for a retake
    api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": "ann@example.org"})
    from shared.local.demo import code_for

    code = code_for(pg.urls.admin_db, "ann@example.org")
    api.post(f"/v1/sessions/{sid}/email/check", headers=user, json={"code": code})
    got = wait_decided(api, key, sid, 180)
    assert got["status"] == "resubmission_requested", got["decision"]
    resub = got["decision"]["resubmission"]
    assert resub["steps"] == ["id_document"] and resub["round"] == 1
    assert "NO_DOCUMENT_DATA" in resub["reason_codes"]
    # the retake: a sharp capture of the same passport, and only id_document runs again
    assert _upload(api, sid, user, "document_front", sample.front).status_code == 201
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    done = wait_decided(api, key, sid, 180)
    assert done["status"] == "approved", done["decision"]
    assert {c["check"]: c["status"] for c in done["checks"]} == {
        "id_document": "passed",
        "email": "passed",
    }
