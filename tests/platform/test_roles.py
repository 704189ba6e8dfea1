"""Issue 12: each function connects as its own Postgres role with only the grants of its job
(shared/db/grants.py), and the SECURITY DEFINER look-ups that run before a tenant is known
answer only to the roles that need them.

Every check here runs real statements on real connections as the role itself: each
privilege the matrix grants works, each one it does not grant fails with `permission
denied` (statements that touch no row: `WHERE false`), per table and per column."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from shared.db.grants import ALL, MATRIX, NO_FUNCTION_ROLE, TableAccess, role_of

CROSS_TENANT = [
    ("SELECT * FROM idmesh_sessions_due('0 seconds', 1000)", ()),
    ("SELECT * FROM idmesh_monitoring_tenants()", ()),
    ("SELECT * FROM idmesh_webhooks_due(10)", ()),
    ("SELECT * FROM idmesh_outbox_due(10)", ()),
    ("SELECT idmesh_outbox_result(%s, true, NULL)", (str(uuid.uuid4()),)),
]

# One harmless call of every SECURITY DEFINER function (run in a transaction that is rolled
# back). A new function without a sample call fails test_every_definer_function_is_sampled.
SAMPLE_CALLS: dict[str, tuple[str, tuple]] = {
    "idmesh_auth_api_key(text)": ("SELECT * FROM idmesh_auth_api_key('x')", ()),
    "idmesh_auth_api_key_v2(text)": ("SELECT * FROM idmesh_auth_api_key_v2('x')", ()),
    "idmesh_auth_session_token(text)": ("SELECT * FROM idmesh_auth_session_token('x')", ()),
    "idmesh_auth_hosted_link(text)": ("SELECT * FROM idmesh_auth_hosted_link('x')", ()),
    "idmesh_cors_origin_allowed(text)": (
        "SELECT idmesh_cors_origin_allowed('https://shop.example')",
        (),
    ),
    "idmesh_registration_counts(text,text,timestamp with time zone)": (
        "SELECT * FROM idmesh_registration_counts('x@example.org', '1.2.3.4', now())",
        (),
    ),
    "idmesh_registration_create(text,text,text,text,timestamp with time zone)": (
        "SELECT idmesh_registration_create('x@example.org', 'X', 'h', '1.2.3.4', now())",
        (),
    ),
    "idmesh_registration_attempt(text)": (
        "SELECT * FROM idmesh_registration_attempt('nobody@example.org')",
        (),
    ),
    "idmesh_registration_complete(uuid,uuid)": (
        "SELECT idmesh_registration_complete(%s, %s)",
        (str(uuid.uuid4()), str(uuid.uuid4())),
    ),
    "idmesh_outbox_due(integer)": ("SELECT * FROM idmesh_outbox_due(0)", ()),
    "idmesh_outbox_result(uuid,boolean,text)": (
        "SELECT idmesh_outbox_result(%s, true, NULL)",
        (str(uuid.uuid4()),),
    ),
    "idmesh_webhooks_due(integer)": ("SELECT * FROM idmesh_webhooks_due(0)", ()),
    "idmesh_monitoring_tenants()": ("SELECT * FROM idmesh_monitoring_tenants()", ()),
    "idmesh_sessions_due(interval,integer)": (
        "SELECT * FROM idmesh_sessions_due('1 day', 0)",
        (),
    ),
    "idmesh_retention_due(integer)": ("SELECT * FROM idmesh_retention_due(0)", ()),
    "idmesh_session_messages(uuid)": (
        "SELECT * FROM idmesh_session_messages(%s)",
        (str(uuid.uuid4()),),
    ),
    "idmesh_erase_session_messages(uuid)": (
        "SELECT idmesh_erase_session_messages(%s)",
        (str(uuid.uuid4()),),
    ),
    "idmesh_schema_versions()": ("SELECT idmesh_schema_versions()", ()),
    "idmesh_operations_stats()": ("SELECT * FROM idmesh_operations_stats()", ()),
    "idmesh_sandbox_due(integer,integer)": ("SELECT * FROM idmesh_sandbox_due(1, 0)", ()),
    "idmesh_console_user_by_email(text)": (
        "SELECT * FROM idmesh_console_user_by_email('nobody@example.org')",
        (),
    ),
    "idmesh_console_invite(text)": ("SELECT * FROM idmesh_console_invite('x')", ()),
    "idmesh_console_session(text)": ("SELECT * FROM idmesh_console_session('x')", ()),
}


def _connect(pg, function: str) -> psycopg.Connection:
    return psycopg.connect(pg.urls.functions[function], autocommit=True)


def _definer_functions(pg) -> dict[str, bool]:
    """Every SECURITY DEFINER function of the schema (`name(argtypes)`, no spaces after
    commas) -> whether PUBLIC may execute it."""
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT p.oid::regprocedure::text AS sig, "
            "coalesce(p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a "
            "WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'), true) AS public "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prosecdef"
        ).fetchall()
    return {r["sig"].replace(", ", ","): r["public"] for r in rows}


def _canonical(pg, routine: str) -> str:
    with pg.admin() as conn:
        sig = conn.execute("SELECT %s::regprocedure::text AS s", (routine,)).fetchone()["s"]
    return sig.replace(", ", ",")


def _tables(pg) -> dict[str, list[str]]:
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT c.relname AS t, a.attname AS col FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["t"], []).append(r["col"])
    return out


# -- the matrix covers the schema -------------------------------------------------------------
def test_every_table_has_an_entry_in_the_grants_matrix(pg):
    """A table added by a migration must get an entry in shared/db/grants.py (the roles that
    need it) or in NO_FUNCTION_ROLE (why none does)."""
    covered = {t for g in MATRIX.values() for t in g.tables} | set(NO_FUNCTION_ROLE)
    missing = sorted(set(_tables(pg)) - covered)
    assert not missing, f"tables with no entry in shared/db/grants.py: {missing}"


def test_the_matrix_names_only_real_tables_and_columns(pg):
    tables = _tables(pg)
    wrong = []
    for function, grants in MATRIX.items():
        for table, access in grants.tables.items():
            if table not in tables:
                wrong.append(f"{function}: {table}")
                continue
            for cols in (access.select, access.insert, access.update):
                if cols != ALL:
                    wrong += [f"{function}: {table}.{c}" for c in cols if c not in tables[table]]
    assert not wrong


def test_every_definer_function_is_sampled_and_has_an_entry(pg):
    """A SECURITY DEFINER function added by a migration: an entry in the matrix (or in
    NO_FUNCTION_ROLE) and a sample call here."""
    definers = _definer_functions(pg)
    named = {_canonical(pg, r) for g in MATRIX.values() for r in g.routines}
    named |= {_canonical(pg, n) for n in NO_FUNCTION_ROLE if "(" in n}
    assert sorted(set(definers) - named) == [], "definer functions without a matrix entry"
    assert sorted(set(definers) - set(SAMPLE_CALLS)) == [], "definer functions not sampled"


def test_no_definer_function_answers_public(pg):
    public = sorted(f for f, is_public in _definer_functions(pg).items() if is_public)
    assert public == []


def test_roles_bypass_nothing_and_inherit_nothing(pg):
    roles = [role_of(f) for f in MATRIX]
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT rolname, rolbypassrls, rolsuper, rolcreaterole, rolcreatedb, rolinherit, "
            "rolcanlogin, (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) "
            "AS member_of FROM pg_roles r WHERE rolname = ANY(%s) "
            "OR rolname IN ('idmesh_app', 'idmesh_jobs')",
            (roles,),
        ).fetchall()
    by_name = {r["rolname"]: r for r in rows}
    assert set(by_name) == {*roles, "idmesh_app", "idmesh_jobs"}
    for r in rows:
        assert not (r["rolbypassrls"] or r["rolsuper"] or r["rolcreaterole"]), r
    for role in roles:
        r = by_name[role]
        assert r["rolcanlogin"] and not r["rolinherit"] and not r["rolcreatedb"], r
        assert r["member_of"] == 0, f"{role} is a member of another role"


# -- each role, privilege by privilege, on a real connection -----------------------------------
def _attempt(conn: psycopg.Connection, stmt: sql.Composable) -> bool:
    """Whether the role may run `stmt` (touching no row); any error but a privilege error
    is a broken test."""
    try:
        conn.execute(stmt)
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def _stmt(priv: str, table: str, cols: list[str]) -> sql.Composable:
    t = sql.Identifier(table)
    ids = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
    if priv == "SELECT":
        return sql.SQL("SELECT {} FROM {} WHERE false").format(ids, t)
    if priv == "INSERT":
        # (NULL::table).column: a value of the column's type without reading the table
        nulls = sql.SQL(", ").join(
            sql.SQL("(NULL::{}).{}").format(t, sql.Identifier(c)) for c in cols
        )
        return sql.SQL("INSERT INTO {} ({}) SELECT {} WHERE false").format(t, ids, nulls)
    if priv == "UPDATE":
        sets = sql.SQL(", ").join(sql.SQL("{} = NULL").format(sql.Identifier(c)) for c in cols)
        return sql.SQL("UPDATE {} SET {} WHERE false").format(t, sets)
    return sql.SQL("DELETE FROM {} WHERE false").format(t)


def _mismatches(conn, table: str, columns: list[str], access: TableAccess) -> list[str]:
    out = []
    for priv, granted in (
        ("SELECT", access.select),
        ("INSERT", access.insert),
        ("UPDATE", access.update),
    ):
        allowed = columns if granted == ALL else [c for c in columns if c in granted]
        if allowed and not _attempt(conn, _stmt(priv, table, allowed)):
            out.append(f"{priv} ({', '.join(allowed)}) ON {table} refused")
        for col in (c for c in columns if c not in allowed):
            if _attempt(conn, _stmt(priv, table, [col])):
                out.append(f"{priv} ({col}) ON {table} allowed")
    if _attempt(conn, _stmt("DELETE", table, [])) != access.delete:
        out.append(f"DELETE ON {table} {'refused' if access.delete else 'allowed'}")
    return out


@pytest.mark.parametrize("function", sorted(MATRIX))
def test_role_may_do_exactly_what_the_matrix_grants(pg, function):
    tables = _tables(pg)
    grants = MATRIX[function].tables
    with _connect(pg, function) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role_of(function)
        wrong = []
        for table, columns in tables.items():
            wrong += _mismatches(conn, table, columns, grants.get(table, TableAccess()))
    assert not wrong, f"{role_of(function)} differs from shared/db/grants.py: {wrong}"


@pytest.mark.parametrize("function", sorted(MATRIX))
def test_role_calls_exactly_its_definer_functions(pg, function):
    mine = {_canonical(pg, r) for r in MATRIX[function].routines}
    wrong = []
    with psycopg.connect(pg.urls.functions[function]) as conn:
        for sig, (stmt, args) in SAMPLE_CALLS.items():
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(stmt, args)
                allowed = True
            except psycopg.errors.InsufficientPrivilege:
                allowed = False
            if allowed != (sig in mine):
                wrong.append(f"{sig} {'allowed' if allowed else 'refused'}")
    assert not wrong, f"{role_of(function)}: {wrong}"


# -- the examples ------------------------------------------------------------------------
def _denied(pg, function: str, statement: str) -> bool:
    with _connect(pg, function) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_the_email_function_cannot_read_artifacts(pg):
    assert _denied(pg, "email", "SELECT ciphertext FROM artifacts")
    assert _denied(pg, "email", "SELECT wrapped_key FROM session_keys")
    assert not _denied(pg, "id_document", "SELECT ciphertext FROM artifacts")


def test_the_webhooks_function_cannot_read_check_results(pg):
    assert _denied(pg, "webhooks", "SELECT data_enc FROM checks")
    assert _denied(pg, "webhooks", "SELECT status FROM checks")


def test_only_functions_that_decrypt_get_key_material(pg):
    for function in ("dead_letters", "provisioner"):
        assert _denied(pg, function, "SELECT wrapped_dek FROM tenants")
        assert not _denied(pg, function, "SELECT id, slug, status FROM tenants")
    for function in ("api", "email", "webhooks", "orchestrator"):
        assert not _denied(pg, function, "SELECT wrapped_dek FROM tenants")

    # session keys (the artifacts' own keys): only where files are stored or read
    def reads_keys(f: str) -> bool:
        cols = MATRIX[f].tables.get("session_keys", TableAccess()).select
        return cols == ALL or "wrapped_key" in cols

    holders = {f for f in MATRIX if reads_keys(f)}
    assert holders == {
        "api",
        "console",  # opens the evidence for the reviewer's own request
        "id_document",
        "face_match",
        "passive_liveness",
        "active_liveness",
        "age_estimation",
        "blocklist",
        "nfc",
        "proof_of_address",
        # vendor_data is sealed with the session key and added to a webhook when it is sent
        # (first attempt: webhooks; retries: the relay, whose artifact retention also seals
        # it again under a fresh key before the old one is destroyed)
        "webhooks",
        "relay",
    }
    assert not _denied(pg, "relay", "SELECT wrapped_key FROM session_keys")


def test_a_check_function_cannot_write_another_tenants_or_its_own_decision(pg):
    # the decision is the lifecycle's (orchestrator, API review): a check cannot set it
    assert _denied(pg, "email", "UPDATE sessions SET decision = NULL WHERE false")
    assert _denied(pg, "email", "UPDATE sessions SET status = 'approved' WHERE false")
    assert _denied(pg, "email", "INSERT INTO outbox (id) SELECT NULL WHERE false")


@pytest.mark.parametrize(("statement", "args"), CROSS_TENANT)
def test_app_role_cannot_call_cross_tenant_lookups(pg, statement, args):
    with psycopg.connect(pg.urls.app) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement, args)


@pytest.mark.parametrize(("statement", "args"), CROSS_TENANT)
def test_only_the_jobs_roles_can(pg, statement, args):
    with psycopg.connect(pg.urls.jobs) as conn:
        conn.execute(statement, args)
    relay_may = "monitoring" not in statement  # AML monitoring is the jobs' CLI
    for function in MATRIX:
        with psycopg.connect(pg.urls.functions[function]) as conn:
            try:
                conn.execute(statement, args)
                allowed = True
            except psycopg.errors.InsufficientPrivilege:
                allowed = False
        assert allowed == (function == "relay" and relay_may), (function, statement)


def test_the_old_sweep_that_abandoned_everything_is_gone(pg):
    with psycopg.connect(pg.urls.app) as conn, pytest.raises(psycopg.errors.UndefinedFunction):
        conn.execute("SELECT * FROM idmesh_sweep_sessions('0 seconds')")


def test_grants_are_reapplied_idempotently(pg):
    """`migrate()` re-applies the matrix: a grant added by hand disappears."""
    from shared.db.bootstrap import migrate

    with pg.admin() as conn:
        conn.execute("GRANT SELECT ON artifacts TO idmesh_fn_email")
    assert not _denied(pg, "email", "SELECT ciphertext FROM artifacts")
    migrate(pg.urls.owner)
    migrate(pg.urls.owner)
    assert _denied(pg, "email", "SELECT ciphertext FROM artifacts")


# -- the whole stack with per-function roles ------------------------------------------------------
def test_the_stack_completes_a_verification_with_per_function_roles(stack, api, pg, receiver):
    from tests.platform.helpers import approved_verification

    for name, proc in stack.processes.items():
        env = proc.base_env
        assert "IDMESH_APP_DATABASE_URL" not in env, name
        user = conninfo_to_dict(env["IDMESH_FUNCTION_DATABASE_URL"])["user"]
        assert user == role_of(name)
    approved_verification(api, pg, receiver, "roles.example")
    with pg.admin() as conn:
        users = {
            r["usename"]
            for r in conn.execute(
                "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'idmesh'"
            ).fetchall()
        }
    # the functions the verification went through hold connections as their own roles
    for function in ("api", "orchestrator", "email", "phone", "webhooks", "relay"):
        assert role_of(function) in users, (function, users)
