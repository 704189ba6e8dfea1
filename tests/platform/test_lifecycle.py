"""The session lifecycle on a real Postgres: each transition's allowed-from states, its
audit entry and its events; `session.decided` has one shape whether the workflow or a
reviewer decided, and `session.updated` accompanies both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.db.tenant_tx import Database
from shared.errors import IllegalTransition
from shared.sessions import lifecycle
from shared.sessions.store import get_session
from tests.conftest import SIMPLE_WORKFLOW


@pytest.fixture()
def db(pg) -> Iterator[Database]:
    d = Database(pg.urls.app, max_size=2)
    try:
        yield d
    finally:
        d.close()


def _submitted(client, t) -> str:
    wf = client.post("/v1/workflows", headers=t.headers, json=SIMPLE_WORKFLOW).json()["id"]
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()[
        "session_id"
    ]
    assert client.post(f"/v1/sessions/{sid}/submit", headers=t.headers).status_code == 202
    return sid


def _events(pg, sid: str) -> list[dict]:
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT id, event_type, event FROM outbox WHERE event->>'sessionid' = %s "
            "ORDER BY created_at, event_type",
            (sid,),
        ).fetchall()
    return [dict(r) for r in rows]


def test_transition_table_has_one_home():
    assert lifecycle.allowed("submit", "not_started", "in_progress")
    assert lifecycle.allowed("review", "in_review", "approved")
    assert not lifecycle.allowed("review", "in_progress", "approved")
    assert not lifecycle.allowed("decide", "approved", "declined")
    assert not lifecycle.allowed("review", "in_review", "in_review")
    assert not lifecycle.allowed("expire", "in_progress", "expired")
    assert not lifecycle.allowed("abandon", "not_started", "abandoned")
    assert {"not_started", "in_progress", "approved", "abandoned"} <= lifecycle.STATUSES


def test_decide_then_review_announce_in_one_shape(pg, client, register, db):
    t = register("Lifecycle Co")
    sid = _submitted(client, t)
    with db.tenant(t.tenant_id) as conn:
        s = get_session(conn, sid, for_update=True)
        lifecycle.decide(
            conn,
            t.tenant_id,
            "orchestrator",
            s,
            {"status": "in_review", "rule": "face_low", "reason_codes": ["FACE_LOW"]},
        )
    with db.tenant(t.tenant_id) as conn:
        s = get_session(conn, sid, for_update=True)
        with pytest.raises(IllegalTransition):
            lifecycle.decide(conn, t.tenant_id, "orchestrator", s, {"status": "approved"})
        after = lifecycle.review(conn, t.tenant_id, "key:1", s, "approved", "looks fine")
    assert after.status == "approved" and after.decision["rule"] == "manual_review"
    events = _events(pg, sid)
    decided = [e for e in events if e["event_type"] == "io.idmesh.session.decided.v1"]
    updated = [
        e["event"]["data"] for e in events if e["event_type"] == "io.idmesh.session.updated.v1"
    ]
    assert [d["event"]["data"]["status"] for d in decided] == ["in_review", "approved"]
    assert set(decided[0]["event"]["data"]) == set(decided[1]["event"]["data"])
    assert decided[1]["event"]["data"]["reason_codes"] == ["FACE_LOW"]
    assert decided[0]["id"] != decided[1]["id"]
    assert {"session_id": sid, "status": "approved", "previous_status": "in_review"} in updated
    assert {"session_id": sid, "status": "in_review", "previous_status": "in_progress"} in updated
    with pg.admin() as conn:
        actions = [
            r["action"]
            for r in conn.execute(
                "SELECT action FROM audit_log WHERE session_id = %s ORDER BY id", (sid,)
            )
        ]
    assert actions[-2:] == ["session.decided", "session.reviewed"]


def test_illegal_transitions_are_refused_and_write_nothing(pg, client, register, db):
    t = register("Lifecycle Two")
    sid = _submitted(client, t)
    before = len(_events(pg, sid))
    with db.tenant(t.tenant_id) as conn:
        s = get_session(conn, sid, for_update=True)
        for call in (
            lambda: lifecycle.review(conn, t.tenant_id, "x", s, "approved"),
            lambda: lifecycle.expire(conn, t.tenant_id, "x", s),
            lambda: lifecycle.decide(conn, t.tenant_id, "x", s, {"status": "expired"}),
        ):
            with pytest.raises(IllegalTransition):
                call()
    # A row read before someone else changed it cannot be used to change it again.
    with db.tenant(t.tenant_id) as conn:
        stale = get_session(conn, sid)
    with db.tenant(t.tenant_id) as conn:
        lifecycle.abandon(conn, t.tenant_id, "sweeper", get_session(conn, sid, for_update=True))
    with db.tenant(t.tenant_id) as conn, pytest.raises(IllegalTransition):
        lifecycle.decide(conn, t.tenant_id, "x", stale, {"status": "approved"})
    assert len(_events(pg, sid)) == before + 1  # only abandon's session.updated
    # At the HTTP edge an illegal transition is a 409 problem.
    r = client.post(f"/v1/sessions/{sid}/submit", headers=t.headers)
    assert r.status_code == 409 and r.json()["type"].endswith("/session-state")
    assert r.headers["content-type"].startswith("application/problem+json")
