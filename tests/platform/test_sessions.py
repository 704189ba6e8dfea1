"""Sessions: idempotent creation, paging, uploads, submit, review, erasure, audit."""

from __future__ import annotations

import uuid

from tests.conftest import SIMPLE_WORKFLOW
from tests.platform.helpers import jpeg_bytes, png_bytes


def _setup(client, register):
    t = register("Delta Ltd")
    # optional steps that take the uploads below (uploads no step uses are refused)
    takes_uploads = [
        {"check": "id_document", "required": False},
        {"check": "active_liveness", "required": False},
    ]
    body = {**SIMPLE_WORKFLOW, "steps": SIMPLE_WORKFLOW["steps"] + takes_uploads}
    wf = client.post("/v1/workflows", headers=t.headers, json=body).json()
    return t, wf["id"]


def test_idempotent_create(client, pg, register):
    t, wf = _setup(client, register)
    h = {**t.headers, "Idempotency-Key": str(uuid.uuid4())}
    r1 = client.post("/v1/sessions", headers=h, json={"workflow_id": wf, "vendor_data": "u-1"})
    r2 = client.post("/v1/sessions", headers=h, json={"workflow_id": wf, "vendor_data": "u-1"})
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT count(*) AS n FROM sessions WHERE tenant_id = %s", (t.tenant_id,)
        ).fetchone()["n"]
    assert n == 1
    # The same key with another body is refused.
    r3 = client.post("/v1/sessions", headers=h, json={"workflow_id": wf, "vendor_data": "u-2"})
    assert r3.status_code == 422


def test_paging_with_cursor(client, register):
    t, wf = _setup(client, register)
    made = {
        client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()[
            "session_id"
        ]
        for _ in range(7)
    }
    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/sessions?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(q, headers=t.headers).json()
        seen += [s["session_id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == made
    assert client.get("/v1/sessions?status=approved", headers=t.headers).json()["items"] == []


def test_workflow_versions_and_sessions_keep_theirs(client, register):
    t, wf = _setup(client, register)
    s1 = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()
    v2 = {**SIMPLE_WORKFLOW, "steps": [{"check": "email"}]}
    r = client.put(f"/v1/workflows/{wf}", headers=t.headers, json=v2)
    assert r.json()["version"] == 2
    s2 = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()
    g1 = client.get(f"/v1/sessions/{s1['session_id']}", headers=t.headers).json()
    g2 = client.get(f"/v1/sessions/{s2['session_id']}", headers=t.headers).json()
    assert (g1["workflow_version"], g2["workflow_version"]) == (1, 2)
    old = client.get(f"/v1/workflows/{wf}?version=1", headers=t.headers).json()
    assert len(old["definition"]["steps"]) == 4  # email, phone and the two optional steps


def test_upload_submit_review_and_erase(client, pg, register):
    t, wf = _setup(client, register)
    s = client.post(
        "/v1/sessions",
        headers=t.headers,
        json={"workflow_id": wf, "expected": {"first_name": "Ada", "last_name": "L"}},
    ).json()
    sid, token = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    front = jpeg_bytes((320, 200))
    r = client.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=token,
        data={"kind": "document_front"},
        files={"file": ("f.jpg", front, "image/jpeg")},
    )
    assert r.status_code == 201
    frames = [("file", (f"{i}.png", png_bytes(color=(i, i, i)), "image/png")) for i in range(3)]
    r = client.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=token,
        data={"kind": "liveness_frames"},
        files=frames,
    )
    assert r.status_code == 201 and len(r.json()["artifact_ids"]) == 3
    # Stored encrypted: the plaintext bytes are nowhere in the table.
    with pg.admin() as conn:
        blobs = conn.execute(
            "SELECT ciphertext FROM artifacts WHERE session_id = %s", (sid,)
        ).fetchall()
        assert len(blobs) == 4 and all(front not in bytes(b["ciphertext"]) for b in blobs)
        enc = conn.execute("SELECT expected_enc FROM sessions WHERE id = %s", (sid,)).fetchone()
        assert b"Ada" not in bytes(enc["expected_enc"])
    r = client.post(f"/v1/sessions/{sid}/submit", headers=token)
    assert r.status_code == 202
    with pg.admin() as conn:
        ev = conn.execute(
            "SELECT event FROM outbox WHERE tenant_id = %s AND event_type = %s",
            (t.tenant_id, "io.idmesh.session.submitted.v1"),
        ).fetchone()
    assert ev["event"]["data"]["session_id"] == sid and "Ada" not in str(ev["event"])
    # Review only for sessions in review.
    r = client.post(f"/v1/sessions/{sid}/review", headers=t.headers, json={"decision": "approved"})
    assert r.status_code == 409
    with pg.admin() as conn:
        conn.execute("UPDATE sessions SET status = 'in_review' WHERE id = %s", (sid,))
    r = client.post(
        f"/v1/sessions/{sid}/review",
        headers=t.headers,
        json={"decision": "declined", "note": "blurry"},
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    # Erasure: artifacts and personal data gone, tombstone and audit trail stay.
    assert client.delete(f"/v1/sessions/{sid}", headers=t.headers).status_code == 204
    assert client.get(f"/v1/sessions/{sid}", headers=t.headers).status_code == 404
    with pg.admin() as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM artifacts WHERE session_id = %s", (sid,)
            ).fetchone()["n"]
            == 0
        )
        row = conn.execute(
            "SELECT expected_enc, deleted_at FROM sessions WHERE id = %s", (sid,)
        ).fetchone()
        assert row["expected_enc"] is None and row["deleted_at"] is not None
        actions = [
            r["action"]
            for r in conn.execute(
                "SELECT action FROM audit_log WHERE session_id = %s ORDER BY id", (sid,)
            ).fetchall()
        ]
    assert actions == [
        "session.created",
        "artifact.uploaded",
        "artifact.uploaded",
        "session.submitted",
        "session.reviewed",
        "session.erased",
    ]
    # The session token dies with the session.
    assert client.post(f"/v1/sessions/{sid}/submit", headers=token).status_code == 401


def test_openapi_and_operations(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in (
        "/v1/register",
        "/v1/register/verify",
        "/v1/sessions/{session_id}/artifacts",
        "/v1/workflows/{workflow_id}",
        "/v1/api-keys/{key_id}",
    ):
        assert path in doc["paths"], path
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    # Platform-wide counts are not served to tenants: the scraper reads them at
    # /internal/metrics with its token (test_metrics_scrape.py).
    assert client.get("/metrics").status_code == 404


def test_vendor_data_is_sealed_and_found_by_exact_match_only(client, pg, register):
    t, wf = _setup(client, register)
    other = register("Epsilon Ltd")
    wf_other = client.post("/v1/workflows", headers=other.headers, json=SIMPLE_WORKFLOW).json()
    value = f"cust-{uuid.uuid4().hex[:8]}"
    mine = [
        client.post(
            "/v1/sessions", headers=t.headers, json={"workflow_id": wf, "vendor_data": value}
        ).json()["session_id"]
        for _ in range(2)
    ]
    client.post(
        "/v1/sessions", headers=t.headers, json={"workflow_id": wf, "vendor_data": value + "x"}
    ).raise_for_status()
    # another tenant's session with the same value: a different fingerprint, never listed
    client.post(
        "/v1/sessions",
        headers=other.headers,
        json={"workflow_id": wf_other["id"], "vendor_data": value},
    ).raise_for_status()
    page = client.get("/v1/sessions", headers=t.headers, params={"vendor_data": value}).json()
    assert sorted(i["session_id"] for i in page["items"]) == sorted(mine)
    assert {i["vendor_data"] for i in page["items"]} == {value}
    part = client.get("/v1/sessions", headers=t.headers, params={"vendor_data": value[:-1]})
    assert part.status_code == 200 and part.json()["items"] == []
    bad = client.get("/v1/sessions", headers=t.headers, params={"vendor_data": "a\x00b"})
    assert bad.status_code in (400, 422) and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT vendor_data, vendor_data_enc, vendor_data_hash FROM sessions "
            "WHERE tenant_id IN (%s, %s)",
            (t.tenant_id, other.tenant_id),
        ).fetchall()
    assert len(rows) == 4
    assert all(r["vendor_data"] is None and r["vendor_data_enc"] for r in rows)
    assert value.encode() not in b"".join(bytes(r["vendor_data_enc"]) for r in rows)
    assert len({r["vendor_data_hash"] for r in rows}) == 3  # per tenant and value
