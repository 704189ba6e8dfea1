"""Roles, database and migrations.

Four roles:
- `idmesh_owner` owns the schema and runs migrations;
- `idmesh_app` is what every function connects as: not superuser, not owner, NOBYPASSRLS;
- `idmesh_jobs` (login, NOBYPASSRLS, member of idmesh_app) is the platform jobs' role: the
  outbox relay, webhook retries, the session sweeper and AML monitoring. Only it may call the
  cross-tenant look-ups those jobs start from (docs/security.md);
- `idmesh_auth` (NOLOGIN, BYPASSRLS) owns only the SECURITY DEFINER look-ups that must
  run before a tenant is known (API key and session token authentication, registration).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shared.config import Settings
from shared.db.cluster import DATABASE, SUPERUSER, EmbeddedPostgres

log = logging.getLogger(__name__)

OWNER = "idmesh_owner"
APP = "idmesh_app"
AUTH = "idmesh_auth"
JOBS = "idmesh_jobs"
MIGRATION_LOCK = 72_176_001


@dataclass(frozen=True)
class DatabaseUrls:
    admin: str  # superuser / bootstrap role, on the maintenance database
    owner: str
    app: str
    jobs: str = ""  # the platform jobs' role (relay, sweeper, webhook retries, monitoring)

    @property
    def admin_db(self) -> str:
        """The bootstrap role on idmesh's own database (operator reads, e.g. the outbox)."""
        return _with_db(self.admin, conninfo_to_dict(self.owner)["dbname"])


def _with_user(url: str, user: str, password: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params.update(user=user, password=password, dbname=dbname)
    return make_conninfo(**params)


def _external_passwords(settings: Settings) -> dict[str, str]:
    """Role passwords for an external server: from the environment, else generated once."""
    path = Path(settings.data_dir) / "db-external.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for role, given in (
        (OWNER, settings.owner_password),
        (APP, settings.app_password),
        (JOBS, settings.jobs_password),
    ):
        if given:
            stored[role] = given
        elif role not in stored:
            stored[role] = secrets.token_urlsafe(24)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored))
        os.chmod(path, 0o600)
    return stored


def database_urls(settings: Settings, start: bool = True) -> DatabaseUrls:
    """The URLs of the database: the embedded cluster (started if needed) or DATABASE_URL."""
    if settings.database_url:
        pw = _external_passwords(settings)
        admin = settings.database_url
        dbname = settings.database_name or DATABASE
        return DatabaseUrls(
            admin=admin,
            owner=_with_user(admin, OWNER, pw[OWNER], dbname),
            app=settings.app_database_url or _with_user(admin, APP, pw[APP], dbname),
            jobs=settings.jobs_database_url or _with_user(admin, JOBS, pw[JOBS], dbname),
        )
    cluster = EmbeddedPostgres(settings.data_dir)
    state = cluster.start() if start else cluster.load_state()
    if state is None:
        raise RuntimeError("the embedded database was never started (idmesh db start)")
    state = cluster.ensure_password(state, JOBS)
    return DatabaseUrls(
        admin=state.url(SUPERUSER, "postgres"),
        owner=state.url(OWNER),
        app=settings.app_database_url or state.url(APP),
        jobs=settings.jobs_database_url or state.url(JOBS),
    )


def _ensure_role(cur: psycopg.Cursor, name: str, password: str | None, attrs: str) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    stmt = sql.SQL(verb + " ROLE {} " + attrs).format(sql.Identifier(name))
    if password is not None:
        stmt = stmt + sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    cur.execute(stmt)


def bootstrap(urls: DatabaseUrls) -> None:
    """Create the roles and the database (idempotent). Needs a superuser connection."""
    owner_pw = conninfo_to_dict(urls.owner)["password"]
    app_pw = conninfo_to_dict(urls.app).get("password")
    dbname = conninfo_to_dict(urls.owner)["dbname"]
    with psycopg.connect(urls.admin, autocommit=True) as conn, conn.cursor() as cur:
        _ensure_role(cur, OWNER, owner_pw, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE")
        _ensure_role(
            cur,
            APP,
            app_pw,
            "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT",
        )
        _ensure_role(cur, AUTH, None, "NOLOGIN NOSUPERUSER BYPASSRLS")
        jobs_pw = conninfo_to_dict(urls.jobs).get("password") if urls.jobs else None
        _ensure_role(
            cur, JOBS, jobs_pw, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT"
        )
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(APP), sql.Identifier(JOBS)))
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(AUTH), sql.Identifier(OWNER)))
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
        if not cur.fetchone():
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                    sql.Identifier(dbname), sql.Identifier(OWNER)
                )
            )
    with psycopg.connect(_with_db(urls.admin, dbname), autocommit=True) as conn:
        conn.execute("REVOKE ALL ON DATABASE " + _q(dbname) + " FROM PUBLIC")
        conn.execute(f"GRANT CONNECT ON DATABASE {_q(dbname)} TO {APP}, {JOBS}, {OWNER}")
        conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {AUTH}, {OWNER}")
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {APP}")
        conn.execute(f"REVOKE CREATE ON SCHEMA public FROM {APP}")
        for ext in ("pg_trgm", "fuzzystrmatch"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _with_db(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    out: list[Migration] = []
    for entry in resources.files("shared.db.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            out.append(Migration(int(version), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(out, key=lambda m: m.version)


def migrate(owner_url: str) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction. Idempotent."""
    applied_now: list[str] = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, "
            "name text NOT NULL, checksum text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            done = {
                v: c for v, c in conn.execute("SELECT version, checksum FROM schema_migrations")
            }
            for m in available_migrations():
                if m.version in done:
                    if done[m.version] != m.checksum:
                        raise RuntimeError(
                            f"migration {m.version}_{m.name} changed after it was applied"
                        )
                    continue
                with conn.transaction():
                    conn.execute(m.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        (m.version, m.name, m.checksum),
                    )
                applied_now.append(f"{m.version:04d}_{m.name}")
                log.info("applied migration %04d_%s", m.version, m.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return applied_now


def prepare_database(settings: Settings) -> DatabaseUrls:
    """Start (if embedded), bootstrap and migrate: what `idmesh up` and the tests call."""
    urls = database_urls(settings)
    bootstrap(urls)
    migrate(urls.owner)
    return urls
