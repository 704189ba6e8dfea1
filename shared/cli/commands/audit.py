"""`idmesh audit verify`: walk every tenant's hash-chained audit trail, report the first break."""

from __future__ import annotations

import json

import psycopg
from psycopg.rows import dict_row

from shared.audit import ChainReport, verify_chain
from shared.config import Settings
from shared.db.bootstrap import database_urls


def verify_all(admin_url: str, tenant: str | None = None) -> list[ChainReport]:
    """An operator read (the cluster's superuser: every tenant's rows)."""
    with psycopg.connect(admin_url, row_factory=dict_row) as conn:
        ids = (
            [tenant]
            if tenant
            else [str(r["id"]) for r in conn.execute("SELECT id FROM tenants ORDER BY id")]
        )
        return [verify_chain(conn, t) for t in ids]


def _run(args) -> int:
    urls = database_urls(Settings.from_env())
    reports = verify_all(urls.admin_db, args.tenant)
    broken = [r for r in reports if r.first_break]
    if args.json:
        print(json.dumps([r.model_dump() for r in reports], indent=2))
    else:
        for r in reports:
            if r.first_break:
                b = r.first_break
                print(f"tenant {r.tenant_id}: BROKEN at entry {b.seq}: {b.reason}")
            else:
                print(f"tenant {r.tenant_id}: {r.entries} entries verified, head {r.head}")
        print(f"{len(reports)} tenants, {len(broken)} broken")
    return 1 if broken else 0


def register(sub) -> None:
    p = sub.add_parser("audit", help="the audit trail")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="verify every tenant's hash chain; exit 1 on a break")
    v.add_argument("--tenant", help="only this tenant id")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_run)
