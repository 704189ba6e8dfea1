"""The sandbox on the platform: a test key's sessions reach every documented outcome from
magic inputs without images, with the fixed one-time code and no message sent, their
decisions arrive as signed webhooks exactly as in production, live and test data are
invisible to the other mode's keys, and test sessions are erased after their retention."""

from __future__ import annotations

import io

import psycopg
from PIL import Image
from psycopg import sql
from psycopg.rows import dict_row

from shared.db.tenant_tx import Database
from shared.sessions.sweeper import SessionSweeper
from tests.conftest import subscribe_webhook, tenant_on, wait_decided

WORKFLOW = {
    "name": "document, selfie, email",
    "steps": [
        {"check": "id_document"},
        {"check": "face_match", "after": ["id_document"]},
        {"check": "email"},
    ],
}
# (vendor_data, email, expected status, expected reason codes) — docs/sandbox.md's table.
OUTCOMES = [
    (None, "approved@magic.example", "approved", []),
    ("sandbox:approved", "someone@magic.example", "approved", []),
    (
        "sandbox:id_document=declined:DOCUMENT_EXPIRED",
        "a@magic.example",
        "declined",
        ["DOCUMENT_EXPIRED"],
    ),
    (
        "sandbox:face_match=review:FACE_MISMATCH",
        "a@magic.example",
        "in_review",
        ["FACE_MISMATCH"],
    ),
    (
        "sandbox:declined",
        "a@magic.example",
        "declined",
        ["ID_DOCUMENT_FAILED", "FACE_MATCH_FAILED", "EMAIL_FAILED"],
    ),
    (None, "declined+email_disposable@magic.example", "declined", ["EMAIL_DISPOSABLE"]),
    (None, "review+email_role_account@magic.example", "in_review", ["EMAIL_ROLE_ACCOUNT"]),
    ("sandbox:face_match=error", "a@magic.example", "in_review", ["FACE_MATCH_ERROR"]),
    (
        "sandbox:id_document=declined:NOT_A_CODE",
        "a@magic.example",
        "in_review",
        ["SANDBOX_INVALID_MAGIC"],
    ),
]


API_TIMEOUT = 60  # seconds (default 30): this module's checks are slow on a busy machine


def _test_key(api, live) -> dict[str, str]:
    r = api.post("/v1/api-keys", headers=live, json={"name": "sandbox", "mode": "test"})
    assert r.status_code == 201, r.text
    key = r.json()["api_key"]
    assert key.startswith("idm_test_")
    return {"Authorization": f"Bearer {key}"}


def _live_and_test(api, pg, receiver=None) -> tuple[dict[str, str], dict[str, str]]:
    """A new tenant's live and test API key headers; its webhook on `receiver` if given."""
    live = tenant_on(api, pg, "Sandbox Co")
    if receiver is not None:
        subscribe_webhook(api, live, receiver)
    return live, _test_key(api, live)


def _run(api, key, wf, vendor_data, email) -> dict:
    body = {"workflow_id": wf, **({"vendor_data": vendor_data} if vendor_data else {})}
    s = api.post("/v1/sessions", headers=key, json=body).json()
    assert s["session_token"].startswith("ist_test_")
    sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
    sent = api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": email})
    assert sent.status_code == 202 and sent.json()["sent"] is False, sent.text
    ok = api.post(f"/v1/sessions/{sid}/email/check", headers=user, json={"code": "000000"})
    assert ok.status_code == 200, ok.text
    # No uploads: a test session needs no images.
    api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
    return wait_decided(api, key, sid, 60)


def test_every_documented_outcome_with_signed_webhooks(api, pg, receiver):
    live, test = _live_and_test(api, pg, receiver)
    wf = api.post("/v1/workflows", headers=test, json=WORKFLOW).json()["id"]  # one for both
    for vendor_data, email, status, codes in OUTCOMES:
        s = _run(api, test, wf, vendor_data, email)
        assert (s["status"], s["decision"]["reason_codes"]) == (status, codes), (vendor_data, email)
        # No model ran: every step but the email one (its own logic, no message) is simulated.
        assert all(c["data"].get("sandbox") for c in s["checks"] if c["check"] != "email")
        got = receiver.wait_for(
            lambda r, sid=s["session_id"]: r["body"]["data"].get("session_id") == sid, 30
        )
        assert got is not None, f"no webhook for {vendor_data} {email}"
        assert got["verified"], "the sandbox's webhook is signed as in production"
        assert got["body"]["data"]["status"] == status
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT count(*) AS n FROM messages WHERE recipient LIKE '%%@magic.example'"
        ).fetchone()["n"]
    assert n == 0, "a test session sent a message"


def test_live_and_test_data_never_cross(api, pg):
    live, test = _live_and_test(api, pg)
    wf = api.post("/v1/workflows", headers=live, json={"name": "e", "steps": [{"check": "email"}]})
    wf = wf.json()["id"]
    live_s = api.post("/v1/sessions", headers=live, json={"workflow_id": wf}).json()
    test_s = api.post("/v1/sessions", headers=test, json={"workflow_id": wf}).json()
    assert not live_s["session_token"].startswith("ist_test_")
    assert api.get(f"/v1/sessions/{test_s['session_id']}", headers=live).status_code == 404
    assert api.get(f"/v1/sessions/{live_s['session_id']}", headers=test).status_code == 404
    assert api.get(f"/v1/sessions/{test_s['session_id']}", headers=test).status_code == 200
    live_ids = {
        s["id"] if "id" in s else s["session_id"]
        for s in api.get("/v1/sessions", headers=live).json()["items"]
    }
    test_ids = {
        s["id"] if "id" in s else s["session_id"]
        for s in api.get("/v1/sessions", headers=test).json()["items"]
    }
    assert live_s["session_id"] in live_ids and test_s["session_id"] not in live_ids
    assert test_s["session_id"] in test_ids and live_s["session_id"] not in test_ids
    # A test session's token cannot act on a live session either (and vice versa).
    user = {"Authorization": f"Bearer {test_s['session_token']}"}
    r = api.post(f"/v1/sessions/{live_s['session_id']}/submit", headers=user)
    assert r.status_code in (403, 404)
    # Live keys never start a sandbox session: the same request gives a live one.
    assert (
        api.post(
            f"/v1/sessions/{live_s['session_id']}/email",
            headers={"Authorization": f"Bearer {live_s['session_token']}"},
            json={"email": "x@live.example"},
        ).json()["sent"]
        is True
    )

    # Retention: test sessions go after `sandbox_retention_hours` (0 here), live ones stay.
    erased = SessionSweeper(Database(pg.urls.jobs or pg.urls.app), sandbox_hours=0).sweep_sandbox()
    assert erased >= 1
    with pg.admin() as conn:
        rows = {
            str(r["id"]): r
            for r in conn.execute(
                "SELECT id, mode, deleted_at FROM sessions WHERE id = ANY(%s)",
                ([live_s["session_id"], test_s["session_id"]],),
            )
        }
    assert rows[test_s["session_id"]]["deleted_at"] is not None
    assert rows[live_s["session_id"]]["deleted_at"] is None


# Tables with a session's rows that are not mode-isolated on purpose (migration 0161).
NOT_MODE_ISOLATED = {
    "sessions": "isolated by its own policy (0111)",
    "audit_log": "one hash chain per tenant: its trigger reads the tenant's last entry",
    "messages": "insert-only, read through a definer function; test sessions send none",
    "dead_letters": "the operator's",
    "blocklist": "the tenant's configuration, shared by both modes",
    "hosted_rate": "request counters",
    "erasure_ledger": "ids and times only, read by the operator's `idmesh erasure export`",
}


def _mode_tables(pg) -> tuple[set[str], set[str]]:
    """(tables with a session_id column, tables with the mode_isolation policy)."""
    with pg.admin() as conn:
        with_session = {
            r["t"]
            for r in conn.execute(
                "SELECT c.relname AS t FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                "AND c.relkind = 'r' AND a.attname = 'session_id' AND NOT a.attisdropped"
            )
        }
        isolated = {
            r["t"]
            for r in conn.execute(
                "SELECT tablename AS t FROM pg_policies WHERE policyname = 'mode_isolation' "
                "AND permissive = 'RESTRICTIVE'"
            )
        }
    return with_session, isolated


def test_every_table_of_a_sessions_data_is_mode_isolated(pg):
    with_session, isolated = _mode_tables(pg)
    missing = sorted(with_session - isolated - set(NOT_MODE_ISOLATED))
    assert not missing, (
        f"tables with a session_id and no mode_isolation policy: {missing}; call "
        "idmesh_isolate_mode('<table>') in their migration or give the reason here"
    )
    assert "checks" in isolated and "webhook_deliveries" in isolated


def test_a_sessions_rows_are_isolated_by_mode_through_the_api(api, pg, receiver):
    """Checks, attempts, webhook deliveries, hosted links… of a test session never reach a
    live key (and the other way round), through the API and at the database."""
    live, test = _live_and_test(api, pg, receiver)
    wf = api.post("/v1/workflows", headers=live, json={"name": "r", "steps": [{"check": "risk"}]})
    wf = wf.json()["id"]
    ids = {}
    for mode, key in (("live", live), ("test", test)):
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
        user = {"Authorization": f"Bearer {s['session_token']}"}
        api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user).raise_for_status()
        assert wait_decided(api, key, s["session_id"], 60)["status"] == "approved"
        ids[mode] = s["session_id"]
    for sid in ids.values():
        assert receiver.wait_for(lambda r, sid=sid: r["body"]["data"].get("session_id") == sid, 30)

    def deliveries(key) -> dict[str, str]:
        items = api.get("/v1/webhook/deliveries", headers=key).json()["items"]
        return {d["session_id"]: d["id"] for d in items if d["session_id"]}

    seen_live, seen_test = deliveries(live), deliveries(test)
    assert ids["live"] in seen_live and ids["test"] not in seen_live
    assert ids["test"] in seen_test and ids["live"] not in seen_test
    # Resending the other mode's delivery: as if it did not exist.
    r = api.post(f"/v1/webhook/deliveries/{seen_test[ids['test']]}/resend", headers=live)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")
    r = api.post(f"/v1/webhook/deliveries/{seen_live[ids['live']]}/resend", headers=test)
    assert r.status_code == 404
    assert api.get(f"/v1/sessions/{ids['test']}/export", headers=live).status_code == 404

    # At the database, as the API's own role in an API transaction of each mode.
    _, isolated = _mode_tables(pg)
    with pg.admin() as conn:
        tenant_id = str(
            conn.execute("SELECT tenant_id FROM sessions WHERE id = %s", (ids["live"],)).fetchone()[
                "tenant_id"
            ]
        )
    with psycopg.connect(pg.urls.functions["api"], row_factory=dict_row) as conn:
        for mode, other in (("live", "test"), ("test", "live")):
            with conn.transaction():
                conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (tenant_id,))
                conn.execute("SELECT set_config('idmesh.mode', %s, true)", (mode,))
                for table in sorted(isolated - {"sessions"}):
                    q = sql.SQL("SELECT count(*) AS n FROM {} WHERE session_id = %s")
                    mine = conn.execute(q.format(sql.Identifier(table)), (ids[mode],))
                    theirs = conn.execute(q.format(sql.Identifier(table)), (ids[other],))
                    assert theirs.fetchone()["n"] == 0, (mode, table)
                    if table in ("checks", "step_attempts", "webhook_deliveries"):
                        assert mine.fetchone()["n"] >= 1, (mode, table)
        with conn.transaction():  # no mode (platform functions): both sessions' rows
            conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (tenant_id,))
            n = conn.execute(
                "SELECT count(DISTINCT session_id) AS n FROM checks WHERE session_id = ANY(%s)",
                (list(ids.values()),),
            ).fetchone()["n"]
            assert n == 2


def _png(colour=(90, 90, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "PNG")
    return buf.getvalue()


def test_magic_uploaded_file_names(api, pg):
    live, test = _live_and_test(api, pg)
    wf = {
        "name": "document and selfie",
        "steps": [{"check": "id_document"}, {"check": "face_match", "after": ["id_document"]}],
    }
    wf = api.post("/v1/workflows", headers=test, json=wf).json()["id"]

    def run(key, vendor_data, front: str, selfie: str, submit=True) -> dict:
        body = {"workflow_id": wf, **({"vendor_data": vendor_data} if vendor_data else {})}
        s = api.post("/v1/sessions", headers=key, json=body).json()
        sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
        for kind, name in (("document_front", front), ("selfie", selfie)):
            r = api.post(
                f"/v1/sessions/{sid}/artifacts",
                headers=user,
                data={"kind": kind},
                files={"file": (name, _png(), "image/png")},
            )
            assert r.status_code == 201, r.text
        if not submit:
            return s
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
        return wait_decided(api, key, sid, 60)

    # The file name wins over vendor_data, per step (the kinds each check takes).
    s = run(test, "sandbox:approved", "declined+document_expired.png", "photo.png")
    assert s["status"] == "declined" and s["decision"]["reason_codes"] == ["DOCUMENT_EXPIRED"]
    checks = {c["check"]: c for c in s["checks"]}
    assert checks["face_match"]["status"] == "passed"
    s = run(test, None, "front.png", "review+FACE_MISMATCH.png")
    assert (s["status"], s["decision"]["reason_codes"]) == ("in_review", ["FACE_MISMATCH"])
    s = run(test, None, "declined+NOT_A_CODE.png", "approved.png")
    assert "SANDBOX_INVALID_MAGIC" in s["decision"]["reason_codes"]
    # A live upload's name is never kept.
    live_s = run(live, None, "declined.png", "review.png", submit=False)
    with pg.admin() as conn:
        names = conn.execute(
            "SELECT sandbox_magic FROM artifacts WHERE session_id = %s", (live_s["session_id"],)
        ).fetchall()
    assert len(names) == 2 and all(n["sandbox_magic"] is None for n in names)
