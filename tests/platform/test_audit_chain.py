"""The audit trail: readable through the API, hash-chained per tenant (concurrency-safe), and
an edit or deletion by a database superuser is found by `idmesh audit verify`."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from shared.audit import verify_chain
from tests.conftest import idmesh_cli, tenant_on


def _tenant_id(client, key) -> str:
    return client.get("/v1/tenant", headers=key).json()["tenant_id"]


def _cli_verify(pg, tenant_id: str) -> tuple[int, list[dict]]:
    out = idmesh_cli("audit", "verify", "--tenant", tenant_id, "--json", data_dir=pg.data_dir)
    return out.returncode, json.loads(out.stdout)


def _verify(pg, tenant_id: str):
    with pg.admin() as conn:
        return verify_chain(conn, tenant_id)


def test_session_trail_and_tenant_export_through_the_api(client, pg):
    key = tenant_on(client, pg, "Audit Co")
    wf = client.post(
        "/v1/workflows", headers=key, json={"name": "c", "steps": [{"check": "email"}]}
    ).json()["id"]
    s = client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    sid = s["session_id"]
    user = {"Authorization": f"Bearer {s['session_token']}"}
    assert client.post(f"/v1/sessions/{sid}/nfc/challenge", headers=user).status_code == 201
    assert client.delete(f"/v1/sessions/{sid}", headers=key).status_code == 204

    trail = client.get(f"/v1/sessions/{sid}/audit", headers=key)
    assert trail.status_code == 200, trail.text
    items = trail.json()["items"]
    assert [e["action"] for e in items] == [
        "session.created",
        "nfc.challenge_issued",
        "session.erased",
    ]
    assert items[0]["actor"]["type"] == "api_key" and items[0]["actor"]["name"]
    assert items[1]["actor"] == {"type": "session", "id": sid, "name": None}
    assert [e["seq"] for e in items] == sorted(e["seq"] for e in items)

    other = tenant_on(client, pg, "Other Co")
    assert client.get(f"/v1/sessions/{sid}/audit", headers=other).status_code == 404

    page = client.get("/v1/audit?limit=2", headers=key).json()
    assert [e["seq"] for e in page["items"]] == [1, 2] and page["next_after"] == 2
    rest = client.get(f"/v1/audit?after={page['next_after']}&limit=1000", headers=key).json()
    everything = page["items"] + rest["items"]
    assert rest["next_after"] is None
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    for prev, cur in zip(everything, everything[1:], strict=False):
        assert cur["prev_hash"] == prev["hash"]
    assert rest["head"] == {"seq": everything[-1]["seq"], "hash": everything[-1]["hash"]}
    for bad in ("after=-1", f"after={10**30}", "after=x", "limit=0", "limit=1001"):
        r = client.get(f"/v1/audit?{bad}", headers=key)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem")


def test_concurrent_writers_keep_one_unbroken_chain(client, pg):
    key = tenant_on(client, pg, "Busy Co")
    wf = client.post(
        "/v1/workflows", headers=key, json={"name": "c", "steps": [{"check": "email"}]}
    ).json()["id"]

    def create(_):
        return client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(create, range(24))) == {201}
    report = _verify(pg, _tenant_id(client, key))
    assert report.first_break is None and report.entries >= 25, report


def test_superuser_edit_or_deletion_is_detected(client, pg):
    key = tenant_on(client, pg, "Tamper Co")
    tid = _tenant_id(client, key)
    wf = client.post(
        "/v1/workflows", headers=key, json={"name": "c", "steps": [{"check": "email"}]}
    ).json()["id"]
    for _ in range(4):
        client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).raise_for_status()
    code, reports = _cli_verify(pg, tid)
    assert code == 0 and reports[0]["first_break"] is None and reports[0]["entries"] >= 5

    with pg.admin() as conn:
        conn.execute(
            'UPDATE audit_log SET details = \'{"workflow_id": "forged"}\' '
            "WHERE tenant_id = %s AND seq = 3",
            (tid,),
        )
    code, reports = _cli_verify(pg, tid)
    assert code == 1 and reports[0]["first_break"]["seq"] == 3, reports

    # A careful forger recomputes the edited entry's own hash: the next entry no longer links.
    with pg.admin() as conn:
        conn.execute(
            "UPDATE audit_log SET hash = idmesh_audit_entry_hash(prev_hash, tenant_id, seq, "
            "session_id, actor, actor_name, action, details, created_at) "
            "WHERE tenant_id = %s AND seq = 3",
            (tid,),
        )
    report = _verify(pg, tid)
    assert report.first_break.seq == 4 and "link" in report.first_break.reason

    with pg.admin() as conn:
        conn.execute("DELETE FROM audit_log WHERE tenant_id = %s AND seq = 2", (tid,))
    report = _verify(pg, tid)
    assert report.first_break.seq == 2 and "missing" in report.first_break.reason
