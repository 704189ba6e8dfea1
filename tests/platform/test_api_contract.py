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
    assert set(doc["webhooks"]) == {"session.decided", "session.updated", "aml.hit", "aml.hit.v2"}
    assert doc["webhooks"]["aml.hit"]["post"]["deprecated"] is True
    assert "deprecated" not in doc["webhooks"]["aml.hit.v2"]["post"]
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
    # Without the check functions (this API runs alone) a standalone check is a declared
    # 503 problem; on the whole stack its answers are checked in test_aml_flow.
    unavailable = client.post("/v1/checks/aml", headers=h, json={"name": "Jane Roe"})
    assert unavailable.status_code == 503
    assert unavailable.json()["type"].endswith("/check-unavailable")
    assert "503" in doc["paths"]["/v1/checks/{check}"]["post"]["responses"]
    call("DELETE", "/v1/sessions/{session_id}", f"/v1/sessions/{sid}")
    call("GET", "/healthz", "/healthz")
    call("GET", "/readyz", "/readyz")


def _upload(client, sid, headers, kind):
    from tests.platform.helpers import png_bytes

    return client.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=headers,
        data={"kind": kind},
        files={"file": ("f.png", png_bytes(), "image/png")},
    )


def test_submit_needs_the_uploads_and_uploads_need_a_waiting_step(client, register, pg):
    t = register()
    wf = {
        "name": "doc+selfie",
        "steps": [
            {"check": "id_document"},
            {"check": "face_match", "after": ["id_document"]},
            {"check": "passive_liveness", "required": False},
            {"check": "email"},
        ],
    }
    wid = client.post("/v1/workflows", headers=t.headers, json=wf).json()["id"]
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wid}).json()[
        "session_id"
    ]
    r = _upload(client, sid, t.headers, "address_document")  # no step uses it
    assert r.status_code == 409 and "no step of the session's workflow" in r.json()["detail"]
    r = client.post(f"/v1/sessions/{sid}/submit", headers=t.headers)
    assert r.status_code == 422 and r.json()["type"].endswith("/missing-artifacts")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/steps/0", "/steps/1"]
    assert _upload(client, sid, t.headers, "document_front").status_code == 201
    r = client.post(f"/v1/sessions/{sid}/submit", headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["missing"] == ["selfie"]
    assert _upload(client, sid, t.headers, "selfie").status_code == 201
    assert client.post(f"/v1/sessions/{sid}/submit", headers=t.headers).status_code == 202
    # After submit nothing waits for a file: refused, nothing stored.
    r = _upload(client, sid, t.headers, "document_front")
    assert r.status_code == 409 and r.json()["type"].endswith("/input-not-awaited")
    with pg.admin() as conn:
        n = conn.execute("SELECT count(*) AS n FROM artifacts WHERE session_id = %s", (sid,))
        assert n.fetchone()["n"] == 2


def test_a_resubmission_round_takes_only_the_steps_to_redo(client, register, pg):
    from shared.sessions import lifecycle
    from shared.sessions.store import get_session

    t = register()
    wf = {
        "name": "doc+selfie",
        "steps": [{"check": "id_document"}, {"check": "face_match", "after": ["id_document"]}],
    }
    wid = client.post("/v1/workflows", headers=t.headers, json=wf).json()["id"]
    s = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wid}).json()
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    _upload(client, sid, user, "document_front")
    _upload(client, sid, user, "selfie")
    assert client.post(f"/v1/sessions/{sid}/submit", headers=user).status_code == 202
    # What the orchestrator does when the passport could not be read (no stack here).
    with pg.admin() as conn:
        for step in ("id_document", "face_match"):
            conn.execute(
                "INSERT INTO checks (tenant_id, session_id, step, check_name, status) "
                "VALUES (%s, %s, %s, %s, 'failed') ON CONFLICT DO NOTHING",
                (t.tenant_id, sid, step, step),
            )
        session = get_session(conn, sid)
        redo = {"steps": ["id_document"], "reason_codes": ["MRZ_CHECKSUM_FAILED"]}
        lifecycle.request_resubmission(conn, t.tenant_id, "orchestrator", session, redo, 2)
    got = client.get(f"/v1/sessions/{sid}", headers=t.headers).json()
    assert got["status"] == "resubmission_requested"
    assert got["decision"]["resubmission"]["steps"] == ["id_document"]
    assert _upload(client, sid, user, "selfie").status_code == 409  # not a step to redo
    r = client.post(f"/v1/sessions/{sid}/submit", headers=user)
    assert r.status_code == 422 and r.json()["errors"][0]["missing"] == ["document_front"]
    assert _upload(client, sid, user, "document_front").status_code == 201
    assert client.post(f"/v1/sessions/{sid}/submit", headers=user).status_code == 202
    with pg.admin() as conn:
        steps = conn.execute("SELECT step FROM checks WHERE session_id = %s", (sid,)).fetchall()
        status = conn.execute("SELECT status FROM sessions WHERE id = %s", (sid,)).fetchone()
    assert [r["step"] for r in steps] == ["face_match"] and status["status"] == "in_progress"


def test_nul_characters_and_odd_paths_are_problems_not_500s(client, register):
    t = register()
    r = client.post(
        "/v1/workflows",
        headers=t.headers,
        json={"name": "w\u0000", "steps": [{"check": "email"}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/name"
    r = client.post(
        "/v1/sessions",
        headers=t.headers,
        json={"workflow_id": str(uuid.uuid4()), "vendor_data": "a\u0000b"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/vendor_data"
    r = client.get("/v1/sessions/%0A", headers=t.headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_review_records_who_decided_and_the_note(client, register, pg):
    from shared.sessions import lifecycle
    from shared.sessions.store import get_session

    t = register()
    wid = client.post(
        "/v1/workflows", headers=t.headers, json={"name": "w", "steps": [{"check": "email"}]}
    ).json()["id"]
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wid}).json()[
        "session_id"
    ]
    assert client.post(f"/v1/sessions/{sid}/submit", headers=t.headers).status_code == 202
    with pg.admin() as conn:  # what the orchestrator does when the rules say review
        automatic = {
            "status": "in_review",
            "action": "review",
            "rule": "default:warning",
            "reason_codes": ["EMAIL_ROLE_ACCOUNT"],
            "decided_by": "rules",
        }
        lifecycle.decide(conn, t.tenant_id, "orchestrator", get_session(conn, sid), automatic)
    r = client.post(
        f"/v1/sessions/{sid}/review",
        headers=t.headers,
        json={"decision": "approved", "note": "checked by phone"},
    )
    assert r.status_code == 200, r.text
    d = r.json()["decision"]
    assert (d["status"], d["action"], d["note"]) == ("approved", "approve", "checked by phone")
    assert d["decided_by"].startswith("api_key:") and d["reason_codes"] == ["EMAIL_ROLE_ACCOUNT"]
    assert d["automatic"] == {"status": "in_review", "action": "review", "rule": "default:warning"}
