"""`idmesh db start|stop|url|psql|status` and `idmesh migrate`."""

from __future__ import annotations

import os
import shutil
import sys

from shared.config import Settings
from shared.db.bootstrap import database_urls, prepare_database
from shared.db.cluster import EmbeddedPostgres, find_pg_bin


def _db(args) -> int:
    settings = Settings.from_env()
    action = args.action
    if action == "start":
        urls = prepare_database(settings)
        print(f"database ready: {_redact(urls.app)}")
        return 0
    if action == "stop":
        if settings.database_url:
            print("DATABASE_URL is set: idmesh does not manage that server", file=sys.stderr)
            return 1
        EmbeddedPostgres(settings.data_dir).stop()
        print("database stopped")
        return 0
    if action == "status":
        if settings.database_url:
            print("external (DATABASE_URL)")
            return 0
        running = EmbeddedPostgres(settings.data_dir).is_running()
        print("running" if running else "stopped")
        return 0 if running else 3
    urls = database_urls(settings, start=action != "url" or not settings.database_url)
    role_url = {"app": urls.app, "jobs": urls.jobs, "owner": urls.owner, "admin": urls.admin}[
        args.role
    ]
    if action == "url":
        print(role_url)
        return 0
    psql = shutil.which("psql") or str(find_pg_bin() / "psql")
    os.execv(psql, [psql, role_url])
    return 0


def _redact(url: str) -> str:
    import re

    return re.sub(r"://([^:]+):[^@]+@", r"://\1:***@", url)


def _migrate(args) -> int:
    settings = Settings.from_env()
    from shared.db.bootstrap import bootstrap, migrate

    if args.owner_only:
        # The cluster's migration Job: the roles and database exist (docs/deploy.md); only
        # the schema owner's connection is given, never a superuser's.
        if not settings.owner_database_url:
            print("--owner-only needs IDMESH_OWNER_DATABASE_URL", file=sys.stderr)
            return 2
        applied = migrate(settings.owner_database_url)
        print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
        print(
            "sessions from before migration 0130 keep a plain vendor_data until "
            "`idmesh erasure seal-legacy` runs (an operator's connection and the master key)"
        )
        return 0
    urls = database_urls(settings)
    bootstrap(urls)
    applied = migrate(urls.owner)
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    # rows from before migration 0130 get their vendor_data sealed (with the master key)
    from shared.crypto.envelope import load_master_key
    from shared.sessions.vendor_data import seal_legacy_all

    n = seal_legacy_all(urls.admin_db, load_master_key(settings))
    print(f"sealed the vendor_data of {n} older sessions")
    return 0


def register(sub) -> None:
    p = sub.add_parser("db", help="the embedded Postgres cluster (or DATABASE_URL)")
    p.add_argument("action", choices=["start", "stop", "status", "url", "psql"])
    p.add_argument(
        "--role",
        choices=["app", "jobs", "owner", "admin"],
        default="app",
        help="which role's URL (url/psql); default: the application role",
    )
    p.set_defaults(func=_db)
    m = sub.add_parser("migrate", help="apply the SQL migrations (idempotent)")
    m.add_argument(
        "--owner-only",
        action="store_true",
        help="migrate with IDMESH_OWNER_DATABASE_URL only (no bootstrap): the cluster Job",
    )
    m.set_defaults(func=_migrate)
