"""The erasure ledger: erasures that survive a backup restore.

Every erasure (a request, retention, the sandbox's clean-up) records the tenant id, the
session id and the time in `erasure_ledger` (ids and time only: the ledger itself holds
nothing personal). A backup taken before an erasure still holds the session; restoring it
would bring the person back. So the ledger is exported off the database, to storage kept
apart from the backups (`idmesh erasure export`, one JSON object a line), and after a
restore `idmesh erasure replay FILE` erases again every listed session the restored
database still holds. Replay is idempotent: sessions already erased (or never restored)
are counted and left alone; the ledger keeps each erasure's first time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO

import psycopg
from pydantic import BaseModel

from shared.errors import InvalidInput

FORMAT = "idmesh-erasure-ledger/1"
REPLAY_ACTOR = "erasure_replay"


class LedgerEntry(BaseModel):
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    erased_at: datetime


class ReplayReport(BaseModel):
    entries: int = 0
    erased: int = 0  # present in the restored database and erased now
    already_erased: int = 0
    absent: int = 0  # the restored database never had it (or not its tenant)


def record(conn: psycopg.Connection, session_id: str, at: datetime | None = None) -> None:
    """Record an erasure in the caller's tenant transaction (first time wins)."""
    conn.execute(
        "INSERT INTO erasure_ledger (tenant_id, session_id, erased_at) "
        "VALUES (idmesh_current_tenant(), %s, coalesce(%s, now())) "
        "ON CONFLICT (session_id) DO NOTHING",
        (session_id, at),
    )


def entries(conn: psycopg.Connection, since: datetime | None = None) -> Iterator[LedgerEntry]:
    """Every tenant's entries, oldest first (an operator's connection that sees all rows)."""
    cur = conn.execute(
        "SELECT tenant_id, session_id, erased_at FROM erasure_ledger "
        "WHERE erased_at >= coalesce(%s, '-infinity'::timestamptz) "
        "ORDER BY erased_at, session_id",
        (since,),
    )
    for row in cur:
        yield LedgerEntry.model_validate(dict(row))


def write(out: IO[str], items: Iterable[LedgerEntry]) -> int:
    """The export format: a header line, then one entry a line (JSON)."""
    out.write(json.dumps({"format": FORMAT}) + "\n")
    n = 0
    for e in items:
        out.write(e.model_dump_json() + "\n")
        n += 1
    return n


def read(lines: Iterable[str]) -> list[LedgerEntry]:
    """Entries of an export (refuses anything else, naming the line)."""
    out: list[LedgerEntry] = []
    header_seen = False
    for no, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
            if not header_seen:
                if obj != {"format": FORMAT}:
                    raise ValueError(f"not an erasure ledger export ({FORMAT})")
                header_seen = True
                continue
            out.append(LedgerEntry.model_validate(obj))
        except ValueError as exc:  # json and pydantic errors alike
            raise InvalidInput(f"line {no}: {exc}".splitlines()[0]) from exc
    if not header_seen:
        raise InvalidInput(f"empty file: not an erasure ledger export ({FORMAT})")
    return out


def replay(db, items: Iterable[LedgerEntry]) -> ReplayReport:
    """Erase again, each in its tenant's transaction, what a restored database still holds.

    `db` is a shared.db.tenant_tx.Database on a connection allowed to erase (the operator's)."""
    from shared.sessions import lifecycle
    from shared.sessions.store import get_session

    report = ReplayReport()
    for e in items:
        report.entries += 1
        with db.tenant(e.tenant_id) as conn:
            s = get_session(conn, e.session_id, for_update=True)
            if s is None:
                report.absent += 1
                continue
            record(conn, str(e.session_id), e.erased_at)
            if s.deleted_at is not None:
                report.already_erased += 1
                continue
            lifecycle.erase(
                conn,
                str(e.tenant_id),
                REPLAY_ACTOR,
                s,
                {"reason": "erasure_replay", "erased_at": e.erased_at.isoformat()},
            )
            report.erased += 1
    return report
