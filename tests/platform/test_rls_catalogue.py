"""Row-level security, derived from the database catalogue (issue 13): every table with a
`tenant_id` column has RLS enabled *and forced*, and in each one tenant B sees none of
tenant A's rows while A sees its own, with rows actually present. A table added later
cannot be forgotten: it is found by the query, not by a list in the tests.

The rows are the test's own (not left behind by earlier tests): one synthetic row per table
for each of two fresh tenants, written by the superuser with triggers and foreign keys
off, values chosen from each column's type and CHECK constraint.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from tests.conftest import PgStack

VALUES = {
    "uuid": "gen_random_uuid()",
    "text": "'x' || gen_random_uuid()",  # unique: several columns have UNIQUE constraints
    "character varying": "'x' || gen_random_uuid()",
    "integer": "(random() * 1e9)::int",
    "bigint": "(random() * 1e15)::bigint",
    "smallint": "(random() * 3e4)::smallint",
    "double precision": "0.5",
    "real": "0.5",
    "numeric": "0.5",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "date": "current_date",
    "bytea": "'\\x00'::bytea",
    "jsonb": "'{}'::jsonb",
    "json": "'{}'::json",
    "inet": "'192.0.2.1'",
}


def tenant_tables(conn: psycopg.Connection) -> list[str]:
    return [
        r["table_name"]
        for r in conn.execute(
            "SELECT DISTINCT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' "
            "AND t.table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]


def _check_literal(conn: psycopg.Connection, table: str, column: str) -> str | None:
    """The first allowed literal of a CHECK (col IN (...)) on this column, if any."""
    for r in conn.execute(
        "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'c'",
        (table,),
    ).fetchall():
        if re.search(rf"\b{re.escape(column)}\b", r["d"]):
            m = re.search(r"'([^']*)'::", r["d"])
            if m:
                return "'" + m.group(1) + "'"
    return None


def insert_row(conn: psycopg.Connection, table: str, tenant_id: str) -> None:
    cols = conn.execute(
        "SELECT column_name, data_type, udt_name, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    names, values = [], []
    for c in cols:
        name = c["column_name"]
        if name == "tenant_id":
            names.append(name)
            values.append(f"'{tenant_id}'")
            continue
        if c["is_nullable"] == "YES" or c["column_default"] is not None:
            continue
        literal = _check_literal(conn, table, name)
        if c["data_type"] == "ARRAY":
            value = f"'{{}}'::{c['udt_name'][1:]}[]"
        elif literal is not None:
            value = literal
        elif c["data_type"] in VALUES:
            value = VALUES[c["data_type"]]
        else:
            value = f"NULL::{c['udt_name']}"
        if name == "id" and c["data_type"] == "uuid":
            value = "gen_random_uuid()"
        names.append(name)
        values.append(value)
    conn.execute(
        sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ".join(values)),  # built above from the catalogue, not from input
        )
    )


@pytest.fixture(scope="module")
def seeded(pg: PgStack) -> Iterator[tuple[list[str], str, str]]:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    with pg.admin() as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")  # no FKs, no triggers
        tables = tenant_tables(conn)
        for tid in (a, b):
            conn.execute(
                "INSERT INTO tenants (id, slug, name, email, wrapped_dek) "
                "VALUES (%s, %s, 'RLS Co', 'rls@example.org', '\\x00')",
                (tid, "rls-" + tid[:8]),
            )
            for t in tables:
                insert_row(conn, t, tid)
    yield tables, a, b
    # The synthetic rows must not outlive the test (the stack's relay and sweeper would
    # find them): delete them from every table, then the two tenants.
    with pg.admin() as conn, conn.transaction():
        for t in tables:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE tenant_id = ANY(%s)").format(sql.Identifier(t)),
                ([a, b],),
            )
        conn.execute("DELETE FROM tenants WHERE id = ANY(%s)", ([a, b],))


def test_catalogue_finds_the_tenant_tables(seeded):
    tables, _, _ = seeded
    # Sanity: the tables the issue named are among them (the list itself comes from SQL).
    for t in ("webhook_endpoints", "webhook_deliveries", "dead_letters", "rate_limits"):
        assert t in tables
    assert len(tables) >= 20


def test_every_tenant_table_has_rls_enabled_and_forced(pg, seeded):
    tables, _, _ = seeded
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relname = ANY(%s)",
            (tables,),
        ).fetchall()
    weak = [r["relname"] for r in rows if not (r["relrowsecurity"] and r["relforcerowsecurity"])]
    assert len(rows) == len(tables)
    assert weak == [], f"tables without enabled+forced RLS: {weak}"


def test_each_tenant_sees_only_its_rows_in_every_table(pg, seeded):
    tables, a, b = seeded
    leaks, blind, unscoped = [], [], []
    with psycopg.connect(pg.urls.app, row_factory=dict_row, autocommit=True) as conn:
        for t in tables:
            readable = conn.execute(
                "SELECT has_table_privilege(current_user, %s, 'SELECT') AS ok", (t,)
            ).fetchone()["ok"]
            if not readable:  # e.g. messages: the app role may only insert
                continue
            q = sql.SQL("SELECT tenant_id FROM {}").format(sql.Identifier(t))
            for me, other in ((a, b), (b, a)):
                with conn.transaction():
                    conn.execute("SELECT set_config('idmesh.tenant_id', %s, true)", (me,))
                    seen = {str(r["tenant_id"]) for r in conn.execute(q).fetchall()}
                if other in seen or seen - {me}:
                    leaks.append(t)
                if me not in seen:
                    blind.append(t)  # the row exists: RLS must let its owner see it
            with conn.transaction():
                if conn.execute(q).fetchall():
                    unscoped.append(t)  # no tenant set: nothing visible (fail closed)
    assert leaks == [], f"rows of another tenant visible in {leaks}"
    assert blind == [], f"a tenant cannot see its own row in {blind}"
    assert unscoped == [], f"rows visible without a tenant in {unscoped}"
