"""The integrator's contract over real HTTP: strict input, exact pointers, 404s for
malformed ids, the code catalogue, and an OpenAPI document that validates."""

from __future__ import annotations

import re
import uuid

from openapi_spec_validator import validate


def test_strict_types_and_exact_pointers(client, register):
    t = register()
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={"name": "w", "steps": [{"check": "email", "required": 0}]},
    )
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["/steps/0/required"]
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={"name": "w", "steps": [{"check": "id_document", "params": {"min_agee": 18}}]},
    )
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["/steps/0/params/min_agee"]
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={"name": "w", "steps": [{"check": "face_match"}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/steps/0/after"
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={
            "name": "w",
            "steps": [{"check": "email"}],
            "rules": [{"name": "r", "if": {"warning": "FACE_MISMATCH"}, "then": "decline"}],
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/rules/0/if/warning"
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={"name": "w", "steps": [{"check": "email"}], "monitoring": {"aml": 0}},
    )
    assert r.status_code == 422


def test_query_version_must_be_ascii_digits(client, register):
    t = register()
    r = client.post(
        "/v1/workflows", headers=t.headers, json={"name": "w", "steps": [{"check": "email"}]}
    )
    wid = r.json()["id"]
    assert client.get(f"/v1/workflows/{wid}?version=%C2%B2", headers=t.headers).status_code == 400
    assert client.get(f"/v1/workflows/{wid}?version=1", headers=t.headers).status_code == 200
    assert client.get(f"/v1/workflows/{wid}?version=0", headers=t.headers).status_code == 400


def test_malformed_ids_are_no_such_resource(client, register):
    t = register()
    r = client.get("/v1/sessions/not-a-uuid", headers=t.headers)
    assert r.status_code == 404 and r.json()["detail"] == "no such session"
    r = client.post("/v1/sessions/abc/submit", headers=t.headers)
    assert r.status_code == 404 and r.json()["detail"] == "no such session"
    r = client.get(f"/v1/sessions/{uuid.uuid4()}", headers=t.headers)
    assert r.status_code == 404 and r.json()["detail"] == "no such session"
    assert client.get("/v1/nothing-here", headers=t.headers).json()["detail"] == "no such endpoint"


def test_code_catalogue_is_published(client):
    r = client.get("/v1/codes")
    assert r.status_code == 200
    items = {c["code"]: c for c in r.json()["items"]}
    assert items["MRZ_CHECKSUM_FAILED"]["category"] == "retake"
    assert "id_document" in items["EXPECTED_NAME_MISMATCH"]["checks"]


def test_openapi_document_validates(client):
    doc = client.get("/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", op["operationId"]), op["operationId"]
            ok = [k for k in op["responses"] if k.startswith("2")]
            assert len(ok) == 1, (method, path)
            if ok[0] != "204":
                assert "content" in op["responses"][ok[0]], f"{method} {path}: no answer schema"
    assert len(ids) == len(set(ids))
    check = doc["paths"]["/v1/checks/{check}"]["post"]
    assert "aml" in check["parameters"][0]["schema"]["enum"]
    assert "multipart/form-data" in check["requestBody"]["content"]
    query = {p["name"] for p in doc["paths"]["/v1/sessions"]["get"]["parameters"]}
    assert query >= {"limit", "cursor", "status"}
    assert set(doc["webhooks"]) == {"session.decided", "session.updated", "aml.hit"}
    problem_type = doc["components"]["schemas"]["Problem"]["properties"]["type"]
    assert "https://idmesh.dev/problems/validation-error" in problem_type["enum"]


def test_answers_conform_to_the_document(client, register):
    from tests.platform.helpers import png_bytes
    from tests.platform.openapi_conformance import assert_conforms

    doc = client.get("/openapi.json").json()
    t = register()
    h = t.headers

    def call(method: str, template: str, url: str, **kw):
        resp = client.request(method, url, headers=kw.pop("headers", h), **kw)
        assert_conforms(doc, method, template, resp)
        return resp

    call("GET", "/v1/tenant", "/v1/tenant")
    call("GET", "/v1/api-keys", "/v1/api-keys")
    call("POST", "/v1/api-keys", "/v1/api-keys", json={"name": "ci"})
    wf = {"name": "w", "steps": [{"check": "id_document"}, {"check": "email"}]}
    wid = call("POST", "/v1/workflows", "/v1/workflows", json=wf).json()["id"]
    call("GET", "/v1/workflows", "/v1/workflows")
    call("GET", "/v1/workflows/{workflow_id}", f"/v1/workflows/{wid}")
    call("PUT", "/v1/workflows/{workflow_id}", f"/v1/workflows/{wid}", json=wf)
    call("POST", "/v1/workflows", "/v1/workflows", json={"name": "w", "steps": []})
    created = call(
        "POST",
        "/v1/sessions",
        "/v1/sessions",
        json={"workflow_id": wid, "expected": {"first_name": "Ann", "last_name": "Lee"}},
    ).json()
    sid = created["session_id"]
    call("GET", "/v1/sessions", "/v1/sessions?limit=5&status=not_started")
    call("GET", "/v1/sessions/{session_id}", f"/v1/sessions/{sid}")
    call("GET", "/v1/sessions/{session_id}", "/v1/sessions/nope")
    call(
        "POST",
        "/v1/sessions/{session_id}/artifacts",
        f"/v1/sessions/{sid}/artifacts",
        data={"kind": "document_front"},
        files={"file": ("f.png", png_bytes(), "image/png")},
    )
    call("POST", "/v1/sessions/{session_id}/nfc/challenge", f"/v1/sessions/{sid}/nfc/challenge")
    call(
        "POST",
        "/v1/sessions/{session_id}/liveness/challenge",
        f"/v1/sessions/{sid}/liveness/challenge",
    )
    call("POST", "/v1/sessions/{session_id}/submit", f"/v1/sessions/{sid}/submit")
    call(
        "POST",
        "/v1/sessions/{session_id}/review",
        f"/v1/sessions/{sid}/review",
        json={"decision": "approved"},
    )
    call("GET", "/v1/codes", "/v1/codes")
    call("PUT", "/v1/webhook", "/v1/webhook", json={"url": "https://example.com/hook"})
    call("GET", "/v1/webhook", "/v1/webhook")
    call("GET", "/v1/webhook/deliveries", "/v1/webhook/deliveries?limit=10")
    call("GET", "/v1/dead-letters", "/v1/dead-letters")
    call("GET", "/v1/aml/hits", "/v1/aml/hits?status=open")
    call("POST", "/v1/blocklist", "/v1/blocklist", json={"kind": "email", "value": "x@y.example"})
    call("GET", "/v1/blocklist", "/v1/blocklist")
    call("POST", "/v1/checks/{check}", "/v1/checks/aml", json={"name": "Jane Roe"})
    call("DELETE", "/v1/sessions/{session_id}", f"/v1/sessions/{sid}")
    call("GET", "/healthz", "/healthz")
    call("GET", "/readyz", "/readyz")
