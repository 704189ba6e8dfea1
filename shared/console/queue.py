"""The review queue: the tenant's sessions, those in review first, with filters and search
(by session id or vendor data). One SQL statement in the caller's tenant transaction."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import psycopg
from pydantic import BaseModel, Field, field_validator

from shared.crypto.envelope import TenantCipher
from shared.sessions import vendor_data
from shared.sessions.lifecycle import STATUSES

PAGE = 50


class QueueFilter(BaseModel):
    """What the queue page's form may ask for (anything else is refused by validation)."""

    status: str | None = None
    assigned: str | None = Field(default=None, pattern=r"^(me|unassigned|any)$")
    warning: str | None = Field(default=None, max_length=80, pattern=r"^[A-Z][A-Z0-9_]*$")
    check: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    q: str | None = Field(default=None, max_length=200)
    created_from: date | None = None
    created_to: date | None = None
    older_than_hours: int | None = Field(default=None, ge=0, le=24 * 365)
    page: int = Field(default=0, ge=0, le=10_000)

    @field_validator("status")
    @classmethod
    def _known_status(cls, v: str | None) -> str | None:
        if v and v not in STATUSES:
            raise ValueError("unknown status")
        return v or None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v == "" else v


class QueueItem(BaseModel):
    session_id: uuid.UUID
    status: str
    vendor_data: str | None
    created_at: datetime
    decided_at: datetime | None
    rule: str | None
    reason_codes: list[str]
    assignee: str | None
    assignee_id: uuid.UUID | None
    proposed: bool


def queue(
    conn: psycopg.Connection, f: QueueFilter, user_id: str, cipher: TenantCipher | None = None
) -> tuple[list[QueueItem], bool]:
    """A page of the queue; True when there is a next page. The search box takes a session
    id or a vendor_data, matched exactly by its keyed fingerprint (the value is sealed);
    with the tenant's `cipher` the page shows each session's vendor_data."""
    where = ["s.deleted_at IS NULL"]
    params: list[Any] = []
    if f.status:
        where.append("s.status = %s")
        params.append(f.status)
    if f.assigned == "me":
        where.append("a.assignee = %s")
        params.append(user_id)
    elif f.assigned == "unassigned":
        where.append("a.assignee IS NULL")
    if f.warning or f.check:
        cond, sub = ["c.session_id = s.id"], []
        if f.check:
            cond.append("(c.check_name = %s OR c.step = %s)")
            sub += [f.check, f.check]
        if f.warning:
            cond.append("c.warnings @> %s::jsonb")
            sub.append(json.dumps([{"code": f.warning}]))
        where.append(f"EXISTS (SELECT 1 FROM checks c WHERE {' AND '.join(cond)})")
        params += sub
    if f.q:
        q = f.q.strip()
        try:
            as_id = str(uuid.UUID(q))
        except ValueError:
            as_id = None
        if as_id is not None:
            where.append("s.id = %s")
            params.append(as_id)
        else:
            tid = conn.execute("SELECT idmesh_current_tenant() AS t").fetchone()["t"]
            where.append(
                "(s.vendor_data_hash = %s OR (s.vendor_data_hash IS NULL AND s.vendor_data = %s))"
            )
            params += [vendor_data.vendor_data_hash(str(tid), q), q]
    if f.created_from:
        where.append("s.created_at >= %s")
        params.append(f.created_from)
    if f.created_to:
        where.append("s.created_at < %s::date + 1")
        params.append(f.created_to)
    if f.older_than_hours is not None:
        where.append("s.created_at <= now() - make_interval(hours => %s)")
        params.append(f.older_than_hours)
    params += [PAGE + 1, f.page * PAGE]
    rows = conn.execute(
        "SELECT s.id AS session_id, s.status, s.vendor_data_enc, s.vendor_data AS vendor_plain, "
        "s.created_at, s.decided_at, "
        "s.decision->>'rule' AS rule, "
        "coalesce(s.decision->'reason_codes', '[]'::jsonb) AS reason_codes, "
        "coalesce(u.name, u.email) AS assignee, a.assignee AS assignee_id, "
        "(p.session_id IS NOT NULL) AS proposed "
        "FROM sessions s LEFT JOIN case_assignments a ON a.session_id = s.id "
        "LEFT JOIN console_users u ON u.id = a.assignee "
        "LEFT JOIN case_proposals p ON p.session_id = s.id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY (s.status = 'in_review') DESC, s.created_at DESC, s.id DESC "
        "LIMIT %s OFFSET %s",
        params,
    ).fetchall()
    items = []
    for r in rows[:PAGE]:
        r = dict(r)
        plain = r.pop("vendor_plain")
        enc = r.pop("vendor_data_enc")
        r["vendor_data"] = plain
        if enc is not None and cipher is not None:
            r["vendor_data"] = vendor_data.open_value(conn, cipher, str(r["session_id"]), enc)
        items.append(QueueItem.model_validate(r))
    return items, len(rows) > PAGE


def counts_by_status(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM sessions WHERE deleted_at IS NULL GROUP BY status"
    ).fetchall()
    return {r["status"]: r["n"] for r in rows}
