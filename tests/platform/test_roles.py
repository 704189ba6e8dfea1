"""Issue 12: the SECURITY DEFINER look-ups that run before a tenant is known answer only to
the roles that need them. The application role (every function, the API included) can no
longer abandon every tenant's sessions, list tenant ids or mark events published; the jobs'
role (relay, sweeper, webhook retries, AML monitoring) can."""

from __future__ import annotations

import uuid

import psycopg
import pytest

CROSS_TENANT = [
    ("SELECT * FROM idmesh_sessions_due('0 seconds', 1000)", ()),
    ("SELECT * FROM idmesh_monitoring_tenants()", ()),
    ("SELECT * FROM idmesh_webhooks_due(10)", ()),
    ("SELECT * FROM idmesh_outbox_due(10)", ()),
    ("SELECT idmesh_outbox_result(%s, true, NULL)", (str(uuid.uuid4()),)),
]


@pytest.mark.parametrize(("statement", "args"), CROSS_TENANT)
def test_app_role_cannot_call_cross_tenant_lookups(pg, statement, args):
    with psycopg.connect(pg.urls.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement, args)


@pytest.mark.parametrize(("statement", "args"), CROSS_TENANT)
def test_jobs_role_can(pg, statement, args):
    with psycopg.connect(pg.urls.jobs) as conn:
        conn.execute(statement, args)


def test_the_old_sweep_that_abandoned_everything_is_gone(pg):
    with psycopg.connect(pg.urls.app) as conn, pytest.raises(psycopg.errors.UndefinedFunction):
        conn.execute("SELECT * FROM idmesh_sweep_sessions('0 seconds')")


def test_roles_bypass_nothing(pg):
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT rolname, rolbypassrls, rolsuper, rolcreaterole FROM pg_roles "
            "WHERE rolname IN ('idmesh_app', 'idmesh_jobs')"
        ).fetchall()
    assert {r["rolname"] for r in rows} == {"idmesh_app", "idmesh_jobs"}
    assert not any(r["rolbypassrls"] or r["rolsuper"] or r["rolcreaterole"] for r in rows)
