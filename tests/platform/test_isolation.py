"""Tenant isolation: over HTTP (404 like unknown ids) and in SQL (RLS, fail closed)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.conftest import SIMPLE_WORKFLOW
from tests.platform.helpers import TENANT_TABLES, png_bytes


@pytest.fixture()
def two_tenants(client, register):
    a, b = register("Alpha Bank"), register("Beta Pay")
    selfie_step = {"check": "passive_liveness", "required": False}  # takes the upload below
    body = {**SIMPLE_WORKFLOW, "steps": [*SIMPLE_WORKFLOW["steps"], selfie_step]}
    wf = client.post("/v1/workflows", headers=a.headers, json=body).json()
    s = client.post("/v1/sessions", headers=a.headers, json={"workflow_id": wf["id"]}).json()
    art = client.post(
        f"/v1/sessions/{s['session_id']}/artifacts",
        headers=a.headers,
        data={"kind": "selfie"},
        files={"file": ("s.png", png_bytes(), "image/png")},
    )
    assert art.status_code == 201, art.text
    key = client.post("/v1/api-keys", headers=a.headers, json={"name": "ci"}).json()
    return (
        a,
        b,
        {
            "workflow": wf["id"],
            "session": s["session_id"],
            "token": s["session_token"],
            "artifact": art.json()["artifact_id"],
            "key": key["id"],
        },
    )


def _calls(ids: dict) -> list[tuple[str, str, dict]]:
    sid, wf = ids["session"], ids["workflow"]
    return [
        ("GET", f"/v1/sessions/{sid}", {}),
        ("POST", f"/v1/sessions/{sid}/submit", {}),
        ("POST", f"/v1/sessions/{sid}/review", {"json": {"decision": "approved"}}),
        ("DELETE", f"/v1/sessions/{sid}", {}),
        (
            "POST",
            f"/v1/sessions/{sid}/artifacts",
            {"data": {"kind": "selfie"}, "files": {"file": ("x.png", png_bytes(), "image/png")}},
        ),
        ("GET", f"/v1/workflows/{wf}", {}),
        ("PUT", f"/v1/workflows/{wf}", {"json": SIMPLE_WORKFLOW}),
        ("DELETE", f"/v1/api-keys/{ids['key']}", {}),
    ]


def test_other_tenants_ids_answer_404_like_unknown_ids(client, two_tenants):
    a, b, ids = two_tenants
    unknown = {k: str(uuid.uuid4()) for k in ("session", "workflow", "key")}
    for (method, path, kw), (_, upath, _) in zip(_calls(ids), _calls(unknown), strict=True):
        theirs = client.request(method, path, headers=b.headers, **kw)
        missing = client.request(method, upath, headers=b.headers, **kw)
        assert theirs.status_code == 404, (method, path, theirs.text)
        assert missing.status_code == 404
        assert theirs.json() == missing.json()
    # Lists never show the other tenant's rows.
    assert client.get("/v1/sessions", headers=b.headers).json()["items"] == []
    assert client.get("/v1/workflows", headers=b.headers).json()["items"] == []
    b_keys = client.get("/v1/api-keys", headers=b.headers).json()["items"]
    assert ids["key"] not in {k["id"] for k in b_keys}
    # And A still has everything.
    assert client.get(f"/v1/sessions/{ids['session']}", headers=a.headers).status_code == 200


def test_session_workflow_of_other_tenant_cannot_be_used(client, two_tenants):
    a, b, ids = two_tenants
    r = client.post("/v1/sessions", headers=b.headers, json={"workflow_id": ids["workflow"]})
    assert r.status_code == 422


def test_session_token_is_limited_to_its_own_session(client, two_tenants, register):
    a, b, ids = two_tenants
    token = {"Authorization": f"Bearer {ids['token']}"}
    # Another session of the same tenant.
    other = client.post(
        "/v1/sessions", headers=a.headers, json={"workflow_id": ids["workflow"]}
    ).json()["session_id"]
    up = {"data": {"kind": "selfie"}, "files": {"file": ("x.png", png_bytes(), "image/png")}}
    assert client.post(f"/v1/sessions/{other}/artifacts", headers=token, **up).status_code == 404
    assert client.post(f"/v1/sessions/{other}/submit", headers=token).status_code == 404
    # Only upload/submit/OTP calls: everything else is forbidden to a session token.
    assert client.get(f"/v1/sessions/{ids['session']}", headers=token).status_code == 403
    assert client.get("/v1/sessions", headers=token).status_code == 403
    assert client.post("/v1/api-keys", headers=token, json={"name": "x"}).status_code == 403
    assert (
        client.post(f"/v1/sessions/{ids['session']}/artifacts", headers=token, **up).status_code
        == 201
    )


def _app_conn(pg) -> psycopg.Connection:
    return psycopg.connect(pg.urls.app, row_factory=dict_row)


def test_app_role_reads_nothing_without_a_tenant(pg, two_tenants):
    with _app_conn(pg) as conn:
        for table in (*TENANT_TABLES, "tenants"):
            n = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
            assert n == 0, table
        conn.rollback()
        # Registrations and messages are not readable at all by the app role.
        for table in ("registrations", "messages"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT count(*) FROM {table}")
            conn.rollback()


def test_app_role_sees_only_its_tenant_and_cannot_write_for_another(pg, two_tenants):
    a, b, ids = two_tenants
    with _app_conn(pg) as conn:
        conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (b.tenant_id,))
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM sessions WHERE id = %s", (ids["session"],)
            ).fetchone()["n"]
            == 0
        )
        assert conn.execute("SELECT count(*) AS n FROM artifacts").fetchone()["n"] == 0
        assert conn.execute("SELECT count(*) AS n FROM tenants").fetchone()["n"] == 1
        # Writing a row for tenant A while scoped to B is refused by the policy.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO workflows (tenant_id, name) VALUES (%s, 'evil')", (a.tenant_id,)
            )
        conn.rollback()
        # Updating or deleting A's rows touches nothing.
        conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (b.tenant_id,))
        cur = conn.execute(
            "UPDATE sessions SET status = 'approved' WHERE id = %s", (ids["session"],)
        )
        assert cur.rowcount == 0
        cur = conn.execute("DELETE FROM artifacts WHERE id = %s", (ids["artifact"],))
        assert cur.rowcount == 0
        conn.rollback()


def test_app_role_cannot_bypass_rls(pg):
    with _app_conn(pg) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        assert row == {"rolsuper": False, "rolbypassrls": False, "rolcreaterole": False}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE sessions DISABLE ROW LEVEL SECURITY")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET ROLE idmesh_auth")
        conn.rollback()
        forced = conn.execute(
            "SELECT count(*) AS n FROM pg_class WHERE relname = ANY(%s) "
            "AND relrowsecurity AND relforcerowsecurity",
            (list(TENANT_TABLES),),
        ).fetchone()["n"]
        assert forced == len(TENANT_TABLES)
