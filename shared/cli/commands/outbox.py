"""`idmesh outbox`: messages delivered locally (registration codes, one-time codes)."""

from __future__ import annotations

import json
import re

import psycopg
from psycopg.rows import dict_row

from shared.config import Settings
from shared.db.bootstrap import database_urls


def read_messages(admin_url: str, to: str | None = None, limit: int = 20) -> list[dict]:
    """The newest messages first (an operator read: runs as the owner role)."""
    with psycopg.connect(admin_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT id, channel, recipient, subject, body, delivered, created_at FROM messages "
            "WHERE (%s::text IS NULL OR recipient = %s) ORDER BY id DESC LIMIT %s",
            (to, to, limit),
        ).fetchall()
    return [{**r, "code": code_in(r["body"])} for r in rows]


def code_in(body: str) -> str | None:
    """The one-time code a message carries (6 digits), so scripts need not cut it out."""
    m = re.search(r"\b(\d{6})\b", body or "")
    return m.group(1) if m else None


def _run(args) -> int:
    urls = database_urls(Settings.from_env())
    rows = read_messages(urls.admin_db, args.to, args.limit)
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
    p = sub.add_parser("outbox", help="show messages delivered to the local outbox")
    p.add_argument("--to", help="only messages to this address or number")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)
