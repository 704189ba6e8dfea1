"""The audit log: every action on a session, append-only for the application role, and
hash-chained per tenant (migration 0022) so an edit or deletion by anyone with database
access shows (`verify_chain`, `idmesh audit verify`).

The actor is general: `actor` is a stable reference (`api_key:<id>`, `session:<id>`,
`sweeper`, people of the review console: `user:<id>`), `actor_name` what a person reading the trail
recognises (a key's name today).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

import psycopg
from pydantic import BaseModel

GENESIS = "0" * 64


def audit(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    action: str,
    session_id: str | None = None,
    details: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> None:
    if actor_name is None and actor.startswith("api_key:"):
        row = conn.execute(
            "SELECT name FROM api_keys WHERE id = %s", (actor.removeprefix("api_key:"),)
        ).fetchone()
        actor_name = row["name"] if row else None
    elif actor_name is None and actor.startswith("user:"):  # a person of the review console
        row = conn.execute(
            "SELECT coalesce(name, email) AS name FROM console_users WHERE id = %s",
            (actor.removeprefix("user:"),),
        ).fetchone()
        actor_name = row["name"] if row else None
    conn.execute(
        "INSERT INTO audit_log (tenant_id, session_id, actor, actor_name, action, details) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (
            tenant_id,
            session_id,
            actor,
            actor_name,
            action,
            json.dumps(details or {}, default=str),
        ),
    )


class Actor(BaseModel):
    type: str  # api_key, session, sweeper, system... (a console would add `user`)
    id: str | None = None
    name: str | None = None


class AuditEntry(BaseModel):
    seq: int
    session_id: uuid.UUID | None = None
    actor: Actor
    action: str
    details: dict[str, Any]
    created_at: datetime
    prev_hash: str
    hash: str


_ENTRY = (
    "seq, session_id, actor, actor_name, action, details, created_at, prev_hash, hash "
    "FROM audit_log"
)


def _entry(row: dict[str, Any]) -> AuditEntry:
    kind, _, ident = row["actor"].partition(":")
    return AuditEntry(
        seq=row["seq"],
        session_id=row["session_id"],
        actor=Actor(type=kind, id=ident or None, name=row["actor_name"]),
        action=row["action"],
        details=row["details"],
        created_at=row["created_at"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def session_audit_trail(conn: psycopg.Connection, session_id: str) -> list[AuditEntry]:
    rows = conn.execute(
        f"SELECT {_ENTRY} WHERE session_id = %s ORDER BY seq", (session_id,)
    ).fetchall()
    return [_entry(r) for r in rows]


def tenant_audit_page(
    conn: psycopg.Connection, after_seq: int, limit: int
) -> tuple[list[AuditEntry], int | None]:
    """The tenant's trail in chain order from `after_seq`; the next cursor or None."""
    rows = conn.execute(
        f"SELECT {_ENTRY} WHERE seq > %s ORDER BY seq LIMIT %s", (after_seq, limit + 1)
    ).fetchall()
    items = [_entry(r) for r in rows[:limit]]
    return items, (items[-1].seq if len(rows) > limit else None)


def audit_head(conn: psycopg.Connection) -> tuple[int, str]:
    """The tenant's chain head (seq, hash): keep it elsewhere to detect a cut tail."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (row["seq"], row["hash"]) if row else (0, GENESIS)


# -- verification (independent of the database's own hash function) ---------------------------
def entry_hash(
    prev: str,
    tenant_id: str,
    seq: int,
    session_id: str | None,
    actor: str,
    actor_name: str | None,
    action: str,
    details_text: str,
    created_utc: str,
) -> str:
    parts = [
        prev,
        tenant_id,
        str(seq),
        session_id or "",
        actor,
        actor_name or "",
        action,
        details_text,
        created_utc,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ChainBreak(BaseModel):
    tenant_id: str
    seq: int  # the first entry that does not verify (or the first missing position)
    reason: str


class ChainReport(BaseModel):
    tenant_id: str
    entries: int
    head: str
    first_break: ChainBreak | None = None


def verify_chain(conn: psycopg.Connection, tenant_id: str) -> ChainReport:
    """Walk one tenant's chain (as an operator: reads every row) and report the first break."""
    rows = conn.execute(
        "SELECT seq, session_id::text AS session_id, actor, actor_name, action, "
        "details::text AS details, prev_hash, hash, "
        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at "
        "FROM audit_log WHERE tenant_id = %s ORDER BY seq",
        (tenant_id,),
    ).fetchall()
    prev, expected_seq = GENESIS, 1
    for r in rows:
        problem = None
        if r["seq"] != expected_seq:
            problem = f"entry {expected_seq} is missing (next is {r['seq']})"
            at = expected_seq
        elif r["prev_hash"] != prev:
            problem, at = "does not link to the previous entry", r["seq"]
        elif r["hash"] != entry_hash(
            prev,
            tenant_id,
            r["seq"],
            r["session_id"],
            r["actor"],
            r["actor_name"],
            r["action"],
            r["details"],
            r["at"],
        ):
            problem, at = "its content does not match its hash", r["seq"]
        if problem:
            return ChainReport(
                tenant_id=tenant_id,
                entries=len(rows),
                head=rows[-1]["hash"],
                first_break=ChainBreak(tenant_id=tenant_id, seq=at, reason=problem),
            )
        prev, expected_seq = r["hash"], r["seq"] + 1
    return ChainReport(tenant_id=tenant_id, entries=len(rows), head=prev)
