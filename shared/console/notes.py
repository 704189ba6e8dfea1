"""Notes on a case, with @mentions: `@alice` (the address's local part or the name without
spaces) or `@alice@example.com` names a person of the tenant. A mention is listed on that
person's Mentions page until they open it, and an e-mail goes out through the existing
messaging. Every note is audited (its length, the mentioned people's ids; not its text)."""

from __future__ import annotations

import re
import uuid

import psycopg

from shared.audit import audit
from shared.console.accounts import Person
from shared.console.case import find_session
from shared.console.roles import require
from shared.errors import InvalidInput
from shared.messaging.delivery import record_message

MAX_NOTE = 4000
MENTION_SUBJECT = "You were mentioned on a case in the idmesh review console"
_MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mentioned(conn: psycopg.Connection, body: str) -> list[dict]:
    """The active people of the tenant a note's text mentions."""
    tokens = {t.lower().rstrip(".") for t in _MENTION.findall(body)}
    if not tokens:
        return []
    rows = conn.execute(
        "SELECT id, email, name FROM console_users WHERE status = 'active' ORDER BY created_at"
    ).fetchall()
    out = []
    for r in rows:
        keys = {r["email"], r["email"].split("@", 1)[0]}
        if r["name"]:
            keys.add(re.sub(r"\s+", "", r["name"]).lower())
        if tokens & {k.lower() for k in keys}:
            out.append(dict(r))
    return out


def add_note(
    conn: psycopg.Connection, person: Person, session_id: str, body: str, console_url: str
) -> tuple[str, list[dict]]:
    """A note on the case: (its id, the people it mentions). Each mentioned person gets an
    e-mail (the `messages` outbox; the app hands it to SMTP after the commit)."""
    require(person.role, "cases:decide")
    s = find_session(conn, session_id)
    body = (body or "").strip()
    if not body or len(body) > MAX_NOTE:
        raise InvalidInput(
            f"a note has 1 to {MAX_NOTE} characters",
            errors=[{"pointer": "/body", "detail": f"1 to {MAX_NOTE} characters"}],
        )
    note_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO case_notes (id, tenant_id, session_id, author, body) "
        "VALUES (%s, %s, %s, %s, %s)",
        (note_id, person.tenant_id, str(s.id), person.user_id, body),
    )
    people = [p for p in mentioned(conn, body) if str(p["id"]) != person.user_id]
    for p in people:
        conn.execute(
            "INSERT INTO case_mentions (note_id, tenant_id, user_id) VALUES (%s, %s, %s)",
            (note_id, person.tenant_id, str(p["id"])),
        )
        record_message(
            conn,
            "email",
            p["email"],
            MENTION_SUBJECT,
            mention_body(person.actor_name, console_url, str(s.id)),
            person.tenant_id,
        )
    audit(
        conn,
        person.tenant_id,
        person.actor,
        "case.note_added",
        str(s.id),
        {"note_id": note_id, "length": len(body), "mentions": [str(p["id"]) for p in people]},
        actor_name=person.actor_name,
    )
    return note_id, people


def mention_body(by: str, console_url: str, session_id: str) -> str:
    return f"{by} mentioned you in a note:\n\n{console_url.rstrip('/')}/cases/{session_id}\n"


def mentions_for(conn: psycopg.Connection, user_id: str, limit: int = 100) -> list[dict]:
    """The notes that mention a person, newest first (unseen ones flagged)."""
    rows = conn.execute(
        "SELECT n.id, n.session_id, n.body, n.created_at, m.seen_at, "
        "coalesce(u.name, u.email) AS author FROM case_mentions m "
        "JOIN case_notes n ON n.id = m.note_id JOIN console_users u ON u.id = n.author "
        "WHERE m.user_id = %s ORDER BY n.created_at DESC LIMIT %s",
        (user_id, limit),
    ).fetchall()
    return [dict(r) for r in rows]


def mark_seen(conn: psycopg.Connection, user_id: str, session_id: str) -> None:
    conn.execute(
        "UPDATE case_mentions m SET seen_at = now() FROM case_notes n "
        "WHERE m.note_id = n.id AND m.user_id = %s AND n.session_id = %s AND m.seen_at IS NULL",
        (user_id, session_id),
    )


def unseen_count(conn: psycopg.Connection, user_id: str) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM case_mentions WHERE user_id = %s AND seen_at IS NULL",
        (user_id,),
    ).fetchone()
    return int(row["n"])
