"""`idmesh erasure export|replay|seal-legacy`: erasures that survive a backup restore.

- `export [--out FILE] [--since TIME]`: the erasure ledger (tenant id, session id, time;
  nothing personal), one JSON object a line, for storage kept apart from the backups.
- `replay FILE`: after restoring a backup, erase again every listed session the restored
  database holds (idempotent: run it as often as you like).
- `seal-legacy`: seal the plain vendor_data of sessions written before migration 0130
  (needs the master key; `idmesh up` and `idmesh db migrate` do it too).
See docs/hardening.md for what backups can and cannot guarantee.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from shared.config import Settings
from shared.db.bootstrap import database_urls
from shared.errors import InvalidInput
from shared.sessions import erasure_ledger


def _export(args) -> int:
    try:
        since = datetime.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(f"--since: not an ISO 8601 time: {args.since!r}", file=sys.stderr)
        return 2
    urls = database_urls(Settings.from_env())
    with psycopg.connect(urls.admin_db, row_factory=dict_row) as conn:
        items = list(erasure_ledger.entries(conn, since))
    if args.out and args.out != "-":
        with open(args.out, "w", encoding="utf-8") as fh:
            n = erasure_ledger.write(fh, items)
        print(f"{n} erasures written to {args.out}", file=sys.stderr)
    else:
        erasure_ledger.write(sys.stdout, items)
    return 0


def _replay(args) -> int:
    from shared.db.tenant_tx import Database

    try:
        with open(args.file, encoding="utf-8") as fh:
            items = erasure_ledger.read(fh)
    except (OSError, InvalidInput) as exc:
        print(f"cannot replay {args.file}: {exc}", file=sys.stderr)
        return 2
    urls = database_urls(Settings.from_env())
    db = Database(urls.admin_db, max_size=1)
    try:
        report = erasure_ledger.replay(db, items)
    finally:
        db.close()
    if args.json:
        print(json.dumps(report.model_dump()))
    else:
        print(
            f"{report.entries} entries: {report.erased} erased now, "
            f"{report.already_erased} already erased, {report.absent} not in this database"
        )
    return 0


def _seal_legacy(args) -> int:
    from shared.crypto.envelope import load_master_key
    from shared.sessions.vendor_data import seal_legacy_all

    settings = Settings.from_env()
    n = seal_legacy_all(database_urls(settings).admin_db, load_master_key(settings))
    print(f"sealed the vendor_data of {n} sessions")
    return 0


def register(sub) -> None:
    p = sub.add_parser("erasure", help="erasures that survive a backup restore")
    esub = p.add_subparsers(dest="erasure_command", required=True)
    e = esub.add_parser("export", help="write the erasure ledger (ids and times only)")
    e.add_argument("--out", help="file to write (default: standard output)")
    e.add_argument("--since", help="only erasures at or after this ISO 8601 time")
    e.set_defaults(func=_export)
    r = esub.add_parser("replay", help="erase again what a restored database still holds")
    r.add_argument("file", help="an `idmesh erasure export` file")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_replay)
    s = esub.add_parser("seal-legacy", help="seal vendor_data of sessions from before 0130")
    s.set_defaults(func=_seal_legacy)
