"""Erasure that erases, export, retention.

A full email + phone + selfie session with a webhook, an AML monitoring enrolment and a hit:
the export holds every marker; after `DELETE /v1/sessions/{id}` a superuser's database dump
and idmesh's data directory hold none of them, monitoring has ended, webhook payloads keep
ids only. Retention: the sweeper erases decided sessions after the tenant's period and
purges artifacts sooner when asked.
"""

from __future__ import annotations

import base64
import io
import random
import uuid
from pathlib import Path

import pytest
from PIL import Image

from shared.crypto.envelope import load_master_key
from shared.local.demo import WORKFLOW, code_for
from shared.local.webhook_receiver import WebhookReceiver
from tests.conftest import create_workflow, subscribe_webhook, tenant_on, wait_decided
from tests.platform.dump import database_dump, files_containing

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"


API_TIMEOUT = 60  # seconds (default 30): this module's checks are slow on a busy machine


_SELFIE_STEP = {"check": "passive_liveness", "required": False}


def _selfie_with_marker(marker: str) -> bytes:
    """A real face photo carrying a marker in a JPEG comment (bytes only a leak would show)."""
    img = Image.open(FACES / "obama.jpg").convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, comment=marker.encode())
    return buf.getvalue()


def _enrol(pg, tenant_id: str, sid: str, tag: str) -> None:
    """Sealed exactly as shared/aml/step.py does, with the tenant's own key."""
    import json

    from shared.crypto.envelope import TenantCipher

    with pg.admin() as conn:
        wrapped = conn.execute(
            "SELECT wrapped_dek FROM tenants WHERE id = %s", (tenant_id,)
        ).fetchone()["wrapped_dek"]
        cipher = TenantCipher.unwrap(load_master_key(pg.settings), tenant_id, wrapped)
        subject, hit = str(uuid.uuid4()), str(uuid.uuid4())
        conn.execute(
            "INSERT INTO aml_subjects (id, tenant_id, session_id, subject_enc) "
            "VALUES (%s, %s, %s, %s)",
            (
                subject,
                tenant_id,
                sid,
                cipher.seal("aml-subject", subject, json.dumps({"name": f"Person {tag}"}).encode()),
            ),
        )
        conn.execute(
            "INSERT INTO aml_hits (id, tenant_id, subject_id, session_id, entity_id, list, "
            "list_version, score, change, details_enc) "
            "VALUES (%s, %s, %s, %s, %s, 'test', 'v1', 0.9, 'new', %s)",
            (
                hit,
                tenant_id,
                subject,
                sid,
                f"entity-{tag}",
                cipher.seal("aml-hit", hit, json.dumps({"matched": f"Person {tag}"}).encode()),
            ),
        )


def test_erasure_leaves_no_marker_in_a_dump_or_the_data_directory(api, pg):
    tag = uuid.uuid4().hex[:12]
    email = f"erase-{tag}@example.org"
    phone = f"+1415{random.randint(2000000, 9999999)}"
    vendor = f"vendor-{tag}"
    selfie_marker = f"selfie-{tag}"
    key = tenant_on(api, pg, "Erase Co")
    receiver = WebhookReceiver().start()
    try:
        subscribe_webhook(api, key, receiver)
        # A selfie is uploaded only when a step uses it (an optional liveness step here).
        with_selfie = {**WORKFLOW, "steps": [*WORKFLOW["steps"], _SELFIE_STEP]}
        wf = api.post("/v1/workflows", headers=key, json=with_selfie).json()["id"]
        s = api.post(
            "/v1/sessions", headers=key, json={"workflow_id": wf, "vendor_data": vendor}
        ).json()
        sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
        up = api.post(
            f"/v1/sessions/{sid}/artifacts",
            headers=user,
            data={"kind": "selfie"},
            files={"file": ("me.jpg", _selfie_with_marker(selfie_marker), "image/jpeg")},
        )
        assert up.status_code == 201, up.text
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
        api.post(
            f"/v1/sessions/{sid}/email", headers=user, json={"email": email}
        ).raise_for_status()
        api.post(
            f"/v1/sessions/{sid}/phone", headers=user, json={"phone": phone}
        ).raise_for_status()
        master = load_master_key(pg.settings)
        codes = []
        for ch, target in (("email", email), ("phone", phone)):
            code = code_for(pg.urls.admin_db, target, master_key=master)
            codes.append(code)
            api.post(
                f"/v1/sessions/{sid}/{ch}/check", headers=user, json={"code": code}
            ).raise_for_status()
        decided = wait_decided(api, key, sid, 60)
        assert decided["status"] in ("approved", "declined", "in_review")
        hook = receiver.wait_for(lambda m: m["body"]["data"]["session_id"] == sid, 30)
        assert hook is not None
        # the receiver gets vendor_data (added when the delivery is sent, never stored)
        assert hook["body"]["data"]["vendor_data"] == vendor
    finally:
        receiver.stop()

    # AML monitoring of this person (as an approved session with an aml step would enrol).
    tenant_id = api.get("/v1/tenant", headers=key).json()["tenant_id"]
    _enrol(pg, tenant_id, sid, tag)
    markers = [email, phone, vendor, selfie_marker, f"entity-{tag}"]

    # The export holds everything about the person.
    export = api.get(f"/v1/sessions/{sid}/export", headers=key)
    assert export.status_code == 200, export.text
    body = export.json()
    assert body["session"]["vendor_data"] == vendor
    assert {c["target"] for c in body["one_time_codes"]} == {email, phone}
    assert {m["recipient"] for m in body["messages"]} == {email, phone}
    assert all(any(c in m["body"] for c in codes) for m in body["messages"])
    files = [base64.b64decode(a["content_base64"]) for a in body["artifacts"]]
    assert any(selfie_marker.encode() in f for f in files)
    assert "vendor_data" not in body["webhook_deliveries"][0]["payload"]["data"]
    assert body["aml"]["monitoring"][0]["subject"]["name"] == f"Person {tag}"
    assert body["aml"]["hits"][0]["entity_id"] == f"entity-{tag}"
    assert [e["action"] for e in body["audit_trail"]][0] == "session.created"
    # The dump shows the test can see markers where they are stored in the clear.
    before = database_dump(pg)
    assert f"entity-{tag}" in before
    # vendor_data is sealed at rest even before erasure, yet found by exact match
    assert vendor not in before
    found = api.get("/v1/sessions", headers=key, params={"vendor_data": vendor}).json()
    assert [i["session_id"] for i in found["items"]] == [sid]
    assert found["items"][0]["vendor_data"] == vendor
    assert (
        api.get("/v1/sessions", headers=key, params={"vendor_data": vendor[:-1]}).json()["items"]
        == []
    )

    assert api.delete(f"/v1/sessions/{sid}", headers=key).status_code == 204

    dump = database_dump(pg)
    # A bare 6-digit code can occur by chance in any dump (hashes, ids): look for the message.
    code_texts = [f"code is {c}" for c in codes]
    assert [m for m in markers + code_texts if m in dump] == []
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT (SELECT count(*) FROM aml_subjects WHERE session_id = %(s)s) "
            "+ (SELECT count(*) FROM aml_hits WHERE session_id = %(s)s) "
            "+ (SELECT count(*) FROM messages WHERE session_id = %(s)s) AS n",
            {"s": sid},
        ).fetchone()["n"]
        assert n == 0
        payloads = conn.execute(
            "SELECT payload FROM webhook_deliveries WHERE session_id = %s", (sid,)
        ).fetchall()
    assert payloads and all(set(p["payload"]["data"]) <= {"session_id", "status"} for p in payloads)
    # idmesh's own files (logs, state); the Postgres cluster's pages are checked for the
    # sealed values: email, phone, codes and the selfie never reached them in the clear.
    assert files_containing(pg.data_dir, markers + code_texts, skip=("pg",)) == {}
    cluster = [email, phone, selfie_marker, vendor]
    assert files_containing(pg.data_dir, cluster) == {}
    assert api.get(f"/v1/sessions/{sid}/export", headers=key).status_code == 404
    gone = api.get("/v1/sessions", headers=key, params={"vendor_data": vendor}).json()
    assert gone["items"] == []
    trail = api.get(f"/v1/sessions/{sid}/audit", headers=key).json()["items"]
    assert [e["action"] for e in trail][-1] == "session.erased"


def test_retention_erases_decided_sessions_and_purges_artifacts_sooner(client, pg):
    from datetime import timedelta

    from shared.db.tenant_tx import Database
    from shared.sessions.sweeper import SessionSweeper

    key = tenant_on(client, pg, "Retain Co")
    bad = client.put(
        "/v1/tenant/retention",
        headers=key,
        json={"retention_days": 10, "artifact_retention_days": 30},
    )
    assert bad.status_code == 422
    r = client.put(
        "/v1/tenant/retention",
        headers=key,
        json={"retention_days": 30, "artifact_retention_days": 7},
    )
    assert r.status_code == 200 and client.get("/v1/tenant/retention", headers=key).json() == {
        "retention_days": 30,
        "artifact_retention_days": 7,
    }
    wf = create_workflow(client, key, {"name": "c", "steps": [{"check": "email"}, _SELFIE_STEP]})
    ids = []
    for _ in range(3):
        s = client.post(
            "/v1/sessions", headers=key, json={"workflow_id": wf, "vendor_data": "keep"}
        ).json()
        buf = io.BytesIO()
        Image.new("RGB", (300, 300), (1, 2, 3)).save(buf, format="PNG")
        client.post(
            f"/v1/sessions/{s['session_id']}/artifacts",
            headers=key,
            data={"kind": "selfie"},
            files={"file": ("a.png", buf.getvalue(), "image/png")},
        ).raise_for_status()
        ids.append(s["session_id"])
    old, middle, fresh = ids
    with pg.admin() as conn:  # decided 40, 10 and 1 days ago
        for sid, days in ((old, 40), (middle, 10), (fresh, 1)):
            conn.execute(
                "UPDATE sessions SET status = 'approved', decided_at = now() - %s WHERE id = %s",
                (timedelta(days=days), sid),
            )
    from shared.crypto.envelope import load_master_key

    sweeper = SessionSweeper(Database(pg.urls.app), master_key=load_master_key(pg.settings))
    assert sweeper.sweep_retention() >= 2
    assert client.get(f"/v1/sessions/{old}", headers=key).status_code == 404
    mid = client.get(f"/v1/sessions/{middle}", headers=key).json()
    assert mid["status"] == "approved" and mid["artifacts"] == []
    # the artifacts' session key is gone; vendor_data was sealed again under a fresh one
    assert mid["vendor_data"] == "keep"
    assert len(client.get(f"/v1/sessions/{fresh}", headers=key).json()["artifacts"]) == 1
    trail = client.get(f"/v1/sessions/{old}/audit", headers=key).json()["items"]
    assert trail[-1]["action"] == "session.erased" and trail[-1]["actor"]["type"] == "sweeper"
    assert trail[-1]["details"] == {"reason": "retention"}


def test_erasure_shreds_the_session_key_so_leftover_ciphertext_never_opens(client, pg):
    """A copy of an artifact's ciphertext taken before erasure (as a dead tuple, a WAL segment
    or a page copy would hold it) opens with the session key before, and with nothing after,
    not even with the tenant's key."""
    from shared.crypto.envelope import DecryptionError, TenantCipher

    key = tenant_on(client, pg, "Shred Co")
    tenant_id = client.get("/v1/tenant", headers=key).json()["tenant_id"]
    wf = create_workflow(client, key, {"name": "c", "steps": [{"check": "email"}, _SELFIE_STEP]})
    sid = client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()["session_id"]
    photo = _selfie_with_marker(f"shred-{uuid.uuid4().hex}")
    art = client.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=key,
        data={"kind": "selfie"},
        files={"file": ("me.jpg", photo, "image/jpeg")},
    ).json()["artifact_id"]
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT a.ciphertext, a.sealed_with, k.wrapped_key, t.wrapped_dek FROM artifacts a "
            "JOIN session_keys k ON k.session_id = a.session_id "
            "JOIN tenants t ON t.id = a.tenant_id WHERE a.id = %s",
            (art,),
        ).fetchone()
    tenant = TenantCipher.unwrap(load_master_key(pg.settings), tenant_id, row["wrapped_dek"])
    own = TenantCipher(tenant_id, tenant.open("session-key", sid, row["wrapped_key"]))
    assert row["sealed_with"] == "session"
    assert own.open("artifact", art, row["ciphertext"]) == photo

    assert client.delete(f"/v1/sessions/{sid}", headers=key).status_code == 204
    with pg.admin() as conn:
        left = conn.execute(
            "SELECT count(*) AS n FROM session_keys WHERE session_id = %s", (sid,)
        ).fetchone()["n"]
    assert left == 0
    with pytest.raises(DecryptionError):
        tenant.open("artifact", art, row["ciphertext"])
