"""Every endpoint that takes an id answers 404 to another tenant's id, exactly as to an
unknown one (issue 13: only sessions, workflows and keys were tested). The routes come from
the router itself, so a new id-taking endpoint fails here until it is covered."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import SIMPLE_WORKFLOW
from tests.platform.helpers import png_bytes
from tests.platform.test_fuzz_api import DOCUMENT

# A valid request for each id-taking operation, so that the answer is about the id and not
# about the body. Keyed by (method, OpenAPI path).
REQUESTS: dict[tuple[str, str], dict] = {
    ("GET", "/v1/sessions/{session_id}"): {},
    ("DELETE", "/v1/sessions/{session_id}"): {},
    ("POST", "/v1/sessions/{session_id}/submit"): {},
    ("POST", "/v1/sessions/{session_id}/review"): {"json": {"decision": "approved"}},
    ("POST", "/v1/sessions/{session_id}/artifacts"): {
        "data": {"kind": "selfie"},
        "files": {"file": ("x.png", png_bytes(), "image/png")},
    },
    ("POST", "/v1/sessions/{session_id}/email"): {"json": {"email": "x@example.org"}},
    ("POST", "/v1/sessions/{session_id}/email/check"): {"json": {"code": "123456"}},
    ("POST", "/v1/sessions/{session_id}/phone"): {"json": {"phone": "+14155552671"}},
    ("POST", "/v1/sessions/{session_id}/phone/check"): {"json": {"code": "123456"}},
    ("POST", "/v1/sessions/{session_id}/liveness/challenge"): {},
    ("POST", "/v1/sessions/{session_id}/nfc/challenge"): {},
    ("GET", "/v1/workflows/{workflow_id}"): {},
    ("PUT", "/v1/workflows/{workflow_id}"): {"json": SIMPLE_WORKFLOW},
    ("POST", "/v1/workflows/{workflow_id}/dry-run"): {"json": {}},
    ("DELETE", "/v1/api-keys/{key_id}"): {},
    ("DELETE", "/v1/blocklist/{entry_id}"): {},
    ("POST", "/v1/aml/hits/{hit_id}/review"): {"json": {"decision": "dismissed"}},
    ("POST", "/v1/webhook/deliveries/{delivery_id}/resend"): {},
    ("GET", "/v1/sessions/{session_id}/audit"): {},
    ("GET", "/v1/sessions/{session_id}/export"): {},
    ("POST", "/v1/api-keys/{key_id}/rotate"): {"json": {}},
    ("GET", "/v1/sessions/{session_id}/report.pdf"): {},
    ("GET", "/v1/reports/{report_id}"): {},
}


def id_operations() -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, ops in DOCUMENT["paths"].items()
        if re.search(r"\{\w+_id\}", path)
        for method in ops
    )


def test_every_id_taking_operation_is_covered():
    missing = [op for op in id_operations() if op not in REQUESTS]
    assert missing == [], f"add a request for {missing}"


@pytest.fixture()
def tenant_a_ids(client, register, pg) -> tuple[dict, dict]:
    a, b = register("Owner Co"), register("Prober Co")
    wf = client.post("/v1/workflows", headers=a.headers, json=SIMPLE_WORKFLOW).json()["id"]
    sid = client.post("/v1/sessions", headers=a.headers, json={"workflow_id": wf}).json()[
        "session_id"
    ]
    key = client.post("/v1/api-keys", headers=a.headers, json={"name": "k"}).json()["id"]
    entry = client.post(
        "/v1/blocklist", headers=a.headers, json={"kind": "email", "value": "bad@example.org"}
    )
    assert entry.status_code == 201, entry.text
    with pg.admin() as conn:  # rows only the system writes: a monitoring hit, a delivery
        subject = conn.execute(
            "INSERT INTO aml_subjects (tenant_id, subject_enc) VALUES (%s, '\\x00') RETURNING id",
            (a.tenant_id,),
        ).fetchone()["id"]
        hit = conn.execute(
            "INSERT INTO aml_hits (tenant_id, subject_id, entity_id, list, list_version, "
            "score, change, details_enc) VALUES (%s, %s, 'e1', 'un', 'v1', 0.9, 'new', "
            "'\\x00') RETURNING id",
            (a.tenant_id, subject),
        ).fetchone()["id"]
        delivery = conn.execute(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_type, payload, url, "
            "status) VALUES (%s, %s, 'io.idmesh.session.decided.v1', '{}', "
            "'https://a.example/h', 'failed') RETURNING id",
            (a.tenant_id, str(uuid.uuid4())),
        ).fetchone()["id"]
    report = client.get(f"/v1/sessions/{sid}/report.pdf", headers=a.headers)
    assert report.status_code == 200, report.text
    ids = {
        "report_id": report.headers["x-report-id"],
        "session_id": sid,
        "workflow_id": wf,
        "key_id": key,
        "entry_id": entry.json()["id"],
        "hit_id": str(hit),
        "delivery_id": str(delivery),
    }
    return {"a": a, "b": b}, ids


def test_other_tenants_ids_are_404_on_every_id_operation(client, pg, tenant_a_ids):
    who, ids = tenant_a_ids
    wrong = []
    for method, path in id_operations():
        name = re.search(r"\{(\w+_id)\}", path).group(1)
        url = path.replace("{" + name + "}", ids[name])
        r = client.request(method, url, headers=who["b"].headers, **REQUESTS[(method, path)])
        unknown = client.request(
            method,
            path.replace("{" + name + "}", str(uuid.uuid4())),
            headers=who["b"].headers,
            **REQUESTS[(method, path)],
        )
        if r.status_code != 404 or unknown.status_code != 404:
            wrong.append((method, path, r.status_code, unknown.status_code))
    assert wrong == [], wrong
    # Nothing of A's changed: its hit is still open, its failed delivery not resent.
    with pg.admin() as conn:
        assert (
            conn.execute("SELECT status FROM aml_hits WHERE id = %s", (ids["hit_id"],)).fetchone()[
                "status"
            ]
            == "open"
        )
        assert (
            conn.execute(
                "SELECT status FROM webhook_deliveries WHERE id = %s", (ids["delivery_id"],)
            ).fetchone()["status"]
            == "failed"
        )
