"""`idmesh messages`: messages delivered locally (registration codes, one-time codes). The
old name `idmesh outbox` still works; "outbox" is the event outbox everywhere else."""

from __future__ import annotations

import json

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.bootstrap import database_urls
from shared.messaging.operator_read import read_messages


def _run(args) -> int:
    urls = database_urls(Settings.from_env())
    settings = Settings.from_env()
    rows = read_messages(urls.admin_db, args.to, args.limit, load_master_key(settings))
    if args.json:
        print(json.dumps(rows, default=str, indent=2))
        return 0
    for r in rows:
        print(
            f"#{r['id']} {r['created_at']:%Y-%m-%d %H:%M:%S} {r['channel']} to {r['recipient']}"
            f" [{r['delivered']}]\n    {r['subject']}\n    {r['body']}"
        )
    if not rows:
        print("no messages")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "messages", aliases=["outbox"], help="show messages delivered locally (codes, invites)"
    )
    p.add_argument("--to", help="only messages to this address or number")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)
