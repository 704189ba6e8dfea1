"""Bad input: a 4xx problem answer, never a 500, and nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import SIMPLE_WORKFLOW
from tests.platform.helpers import png_bytes, row_counts


@pytest.fixture()
def tenant(client, register):
    t = register("Gamma Ltd")
    wf = client.post("/v1/workflows", headers=t.headers, json=SIMPLE_WORKFLOW).json()["id"]
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()[
        "session_id"
    ]
    return t, wf, sid


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def test_json_bodies(client, pg, tenant):
    t, wf, sid = tenant
    h = {**t.headers, "content-type": "application/json"}
    before = row_counts(pg, t.tenant_id)
    cases = [
        (b"{not json", 400),
        (b'{"workflow_id": 12}', 422),
        (b'{"workflow_id": "not-a-uuid"}', 422),
        (b'{"workflow_id": "' + wf.encode() + b'", "surprise": 1}', 422),
        (
            b'{"workflow_id": "' + wf.encode() + b'", "expected": {"date_of_birth": "yesterday"}}',
            422,
        ),
        (b'{"workflow_id": "' + wf.encode() + b'", "callback_url": "ftp:nope"}', 422),
        (b"[]", 422),
        (b"null", 422),
        (b"\xff\xfe\x00", 400),
    ]
    for raw, status in cases:
        _problem(client.post("/v1/sessions", headers=h, content=raw), status)
    body = _problem(client.post("/v1/sessions", headers=h, content=cases[3][0]), 422)
    assert any(e["pointer"] == "/surprise" for e in body["errors"])
    # Workflows: unknown check, duplicate steps, cycles, bad rules.
    bad_workflows = [
        {"name": "x", "steps": [{"check": "telepathy"}]},
        {"name": "x", "steps": []},
        {"name": "x", "steps": [{"check": "email"}, {"check": "email"}]},
        {
            "name": "x",
            "steps": [
                {"check": "email", "id": "a", "after": ["b"]},
                {"check": "phone", "id": "b", "after": ["a"]},
            ],
        },
        {
            "name": "x",
            "steps": [{"check": "email"}],
            "rules": [{"name": "r", "if": {}, "then": "decline"}],
        },
        {
            "name": "x",
            "steps": [{"check": "email"}],
            "rules": [{"name": "r", "if": {"warning": "X"}, "then": "explode"}],
        },
    ]
    for wfdef in bad_workflows:
        _problem(client.post("/v1/workflows", headers=t.headers, json=wfdef), 422)
    assert row_counts(pg, t.tenant_id) == before


def test_content_types_and_sizes(client, pg, tenant):
    t, wf, sid = tenant
    before = row_counts(pg, t.tenant_id)
    _problem(
        client.post(
            "/v1/sessions",
            headers={**t.headers, "content-type": "text/plain"},
            content=b'{"workflow_id": "x"}',
        ),
        415,
    )
    _problem(
        client.post(
            "/v1/sessions",
            headers=t.headers,
            content=b'{"vendor_data": "' + b"a" * 300_000 + b'"}',
        ),
        413,
    )
    # Uploads: wrong kind, not an image, spoofed content type, no file, too large, JSON.
    up = f"/v1/sessions/{sid}/artifacts"
    big = png_bytes() + b"\x00" * (10 * 1024 * 1024 + 10)
    multipart = [  # (kind, form field, file name, bytes, content type) -> status
        ("passport_scan", "file", "a.png", png_bytes(), "image/png", 422),
        ("selfie", "file", "a.png", b"MZ\x90\x00 not a png", "image/png", 415),
        ("selfie", "file", "a.pdf", b"%PDF-1.7\n%%EOF", "application/pdf", 415),
        ("selfie", "other", "a.png", png_bytes(), "image/png", 422),
        ("selfie", "file", "a.png", b"", "image/png", 422),
        ("selfie", "file", "a.png", big, "image/png", 413),
    ]
    for kind, field, name, data, media, status in multipart:
        r = client.post(
            up, headers=t.headers, data={"kind": kind}, files={field: (name, data, media)}
        )
        _problem(r, status)
    _problem(client.post(up, headers=t.headers, data={"kind": "selfie"}), 415)  # urlencoded
    _problem(client.post(up, headers=t.headers, json={"kind": "selfie"}), 415)
    assert row_counts(pg, t.tenant_id) == before


def test_keys(client, pg, tenant):
    t, wf, sid = tenant
    before = row_counts(pg, t.tenant_id)
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer idm_notarealkey"},
        {"Authorization": "Bearer " + "x" * 5000},
    ):
        body = _problem(client.get("/v1/sessions", headers=headers), 401)
        assert body["type"].endswith("/unauthorized")
    # A revoked key stops working at once.
    new = client.post("/v1/api-keys", headers=t.headers, json={"name": "temp"}).json()
    h2 = {"Authorization": f"Bearer {new['api_key']}"}
    assert client.get("/v1/sessions", headers=h2).status_code == 200
    assert client.delete(f"/v1/api-keys/{new['id']}", headers=t.headers).status_code == 204
    _problem(client.get("/v1/sessions", headers=h2), 401)
    _problem(client.post("/v1/sessions", headers=h2, json={"workflow_id": wf}), 401)
    after = row_counts(pg, t.tenant_id)
    # Only the key creation and its audit entries were written.
    assert after["sessions"] == before["sessions"]
    assert after["api_keys"] == before["api_keys"] + 1


def test_unknown_paths_methods_and_params(client, tenant):
    t, wf, sid = tenant
    _problem(client.get("/v1/nothing-here", headers=t.headers), 404)
    _problem(client.patch(f"/v1/sessions/{sid}", headers=t.headers), 405)
    _problem(client.get("/v1/sessions/not-a-uuid", headers=t.headers), 404)
    _problem(client.get("/v1/sessions?limit=0", headers=t.headers), 400)
    _problem(client.get("/v1/sessions?limit=abc", headers=t.headers), 400)
    _problem(client.get("/v1/sessions?cursor=%%%", headers=t.headers), 400)
    _problem(client.get("/v1/sessions?status=bogus", headers=t.headers), 400)
