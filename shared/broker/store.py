"""Durable state of the local broker: accepted events, per-trigger deliveries, dead letters.

SQLite (WAL, synchronous=FULL) under the state directory. An event is answered 202 only
after its row and one delivery row per matching Trigger are committed together, so a killed
broker resumes every pending delivery on restart. Delivery states:

- `pending`   due at `next_at` (attempt count of the current phase in `attempts`)
- `inflight`  leased by a worker; reset to `pending` at start-up (the worker died with us)
- `done`      delivered, or recorded as a dead letter

and phases: `subscriber` (delivering to the Trigger's subscriber), then `dls` (the
subscriber failed for good: delivering to the dead-letter sink).

Dead letters are always recorded in `dead_letters` (whether or not a sink accepted them), so
they can be listed and replayed with `idmesh broker dead-letters|replay`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_NAME = "broker.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    broker TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    tenant_id TEXT,
    structured BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    accepted_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq INTEGER NOT NULL REFERENCES events(seq),
    trigger_key TEXT NOT NULL,
    trigger_spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    phase TEXT NOT NULL DEFAULT 'subscriber',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_code INTEGER,
    last_error TEXT,
    last_dest TEXT,
    last_body BLOB,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    event_seq INTEGER NOT NULL REFERENCES events(seq),
    trigger_key TEXT NOT NULL,
    error_code INTEGER,
    error_dest TEXT,
    error_data TEXT,
    sink_status TEXT NOT NULL,
    created_at REAL NOT NULL,
    replayed_at REAL
);
"""


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    event_seq: int
    trigger_key: str
    trigger_spec: dict[str, Any]
    phase: str
    attempts: int
    namespace: str
    broker: str
    structured: bytes
    headers: dict[str, str]
    last_code: int | None
    last_error: str | None
    last_dest: str | None
    last_body: bytes | None


@dataclass(frozen=True)
class DeadLetter:
    id: int
    delivery_id: int
    event_seq: int
    event_id: str
    event_type: str
    tenant_id: str | None
    trigger_key: str
    error_code: int | None
    error_dest: str | None
    error_data: str | None
    sink_status: str
    created_at: float
    replayed_at: float | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Store:
    def __init__(self, state_dir: str | Path) -> None:
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------
    def _tx(self, durable: bool = False):
        """A write transaction. `durable` (accepting events, recording dead letters) syncs to
        disk at commit (survives power loss); delivery bookkeeping commits with WAL's NORMAL
        sync, which survives a killed process (losing it means a redelivery, never a loss)."""
        store = self

        class _Tx:
            def __enter__(self_inner):
                store._lock.acquire()
                try:
                    store._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                    store._db.execute("BEGIN IMMEDIATE")
                except BaseException:
                    store._lock.release()
                    raise
                return store._db

            def __exit__(self_inner, exc_type, exc, tb):
                try:
                    store._db.execute("ROLLBACK" if exc_type else "COMMIT")
                finally:
                    store._lock.release()
                return False

        return _Tx()

    # -- ingress --------------------------------------------------------------------------
    def insert_event(
        self,
        db: sqlite3.Connection,
        namespace: str,
        broker: str,
        attrs: dict[str, Any],
        structured: bytes,
        headers: dict[str, str],
        triggers: Iterable[tuple[str, dict[str, Any]]],
    ) -> int:
        now = time.time()
        cur = db.execute(
            "INSERT INTO events(namespace, broker, event_id, event_type, tenant_id, structured,"
            " headers, accepted_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                namespace,
                broker,
                attrs["id"],
                attrs["type"],
                attrs.get("tenantid"),
                structured,
                json.dumps(headers),
                now,
            ),
        )
        seq = int(cur.lastrowid)
        for key, spec in triggers:
            db.execute(
                "INSERT INTO deliveries(event_seq, trigger_key, trigger_spec, next_at, updated_at)"
                " VALUES (?,?,?,?,?)",
                (seq, key, json.dumps(spec), now, now),
            )
        return seq

    def accept(self, *args: Any, **kwargs: Any) -> int:
        with self._tx(durable=True) as db:
            return self.insert_event(db, *args, **kwargs)

    # -- dispatch -------------------------------------------------------------------------
    def recover(self) -> int:
        """Leases held by a previous process are void: make them due again."""
        with self._tx() as db:
            cur = db.execute("UPDATE deliveries SET state='pending' WHERE state='inflight'")
            return cur.rowcount

    def claim_due(self, limit: int) -> list[DeliveryRow]:
        now = time.time()
        with self._tx() as db:
            rows = db.execute(
                "SELECT d.id, d.event_seq, d.trigger_key, d.trigger_spec, d.phase, d.attempts,"
                " e.namespace, e.broker, e.structured, e.headers, d.last_code, d.last_error,"
                " d.last_dest, d.last_body"
                " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
                " WHERE d.state = 'pending' AND d.next_at <= ?"
                " ORDER BY d.next_at LIMIT ?",
                (now, limit),
            ).fetchall()
            out = []
            for r in rows:
                db.execute(
                    "UPDATE deliveries SET state='inflight', updated_at=? WHERE id=?", (now, r[0])
                )
                out.append(
                    DeliveryRow(
                        id=r[0],
                        event_seq=r[1],
                        trigger_key=r[2],
                        trigger_spec=json.loads(r[3]),
                        phase=r[4],
                        attempts=r[5],
                        namespace=r[6],
                        broker=r[7],
                        structured=bytes(r[8]),
                        headers=json.loads(r[9]),
                        last_code=r[10],
                        last_error=r[11],
                        last_dest=r[12],
                        last_body=bytes(r[13]) if r[13] is not None else None,
                    )
                )
            return out

    def next_due_in(self) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT min(next_at) FROM deliveries WHERE state='pending'"
            ).fetchone()
        return None if row[0] is None else max(0.0, row[0] - time.time())

    def mark_done(self, db: sqlite3.Connection, delivery_id: int, code: int | None) -> None:
        db.execute(
            "UPDATE deliveries SET state='done', last_code=?, updated_at=? WHERE id=?",
            (code, time.time(), delivery_id),
        )

    def schedule(
        self,
        delivery_id: int,
        phase: str,
        attempts: int,
        delay_s: float,
        code: int | None,
        error: str | None,
        dest: str | None,
        body: bytes | None,
    ) -> None:
        """Put a delivery back as due after `delay_s` in `phase` (subscriber or dls)."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "UPDATE deliveries SET state='pending', phase=?, attempts=?, next_at=?,"
                " last_code=?, last_error=?, last_dest=?, last_body=?, updated_at=? WHERE id=?",
                (phase, attempts, now + delay_s, code, error, dest, body, now, delivery_id),
            )

    def record_dead_letter(
        self,
        row: DeliveryRow,
        code: int | None,
        dest: str | None,
        data_b64: str | None,
        sink_status: str,
    ) -> int:
        with self._tx(durable=True) as db:
            self.mark_done(db, row.id, code)
            cur = db.execute(
                "INSERT INTO dead_letters(delivery_id, event_seq, trigger_key, error_code,"
                " error_dest, error_data, sink_status, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    row.event_seq,
                    row.trigger_key,
                    code,
                    dest,
                    data_b64,
                    sink_status,
                    time.time(),
                ),
            )
            return int(cur.lastrowid)

    # -- dead letters -----------------------------------------------------------------------
    def dead_letters(self, include_replayed: bool = True) -> list[DeadLetter]:
        sql = (
            "SELECT x.id, x.delivery_id, x.event_seq, e.event_id, e.event_type, e.tenant_id,"
            " x.trigger_key, x.error_code, x.error_dest, x.error_data, x.sink_status,"
            " x.created_at, x.replayed_at FROM dead_letters x JOIN events e ON e.seq=x.event_seq"
        )
        if not include_replayed:
            sql += " WHERE x.replayed_at IS NULL"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY x.id").fetchall()
        return [DeadLetter(*r) for r in rows]

    def replay(self, dead_letter_ids: Iterable[int] | None = None) -> list[int]:
        """Queue dead letters again for their Trigger (all not yet replayed when ids is None).

        Returns the ids replayed. The delivery starts afresh (attempt 0)."""
        now = time.time()
        replayed = []
        with self._tx() as db:
            if dead_letter_ids is None:
                ids = [
                    r[0]
                    for r in db.execute(
                        "SELECT id FROM dead_letters WHERE replayed_at IS NULL ORDER BY id"
                    )
                ]
            else:
                ids = list(dead_letter_ids)
            for dl_id in ids:
                row = db.execute(
                    "SELECT x.event_seq, x.trigger_key, d.trigger_spec FROM dead_letters x"
                    " JOIN deliveries d ON d.id = x.delivery_id WHERE x.id=?",
                    (dl_id,),
                ).fetchone()
                if row is None:
                    raise KeyError(f"no dead letter {dl_id}")
                db.execute(
                    "INSERT INTO deliveries(event_seq, trigger_key, trigger_spec, next_at,"
                    " updated_at) VALUES (?,?,?,?,?)",
                    (row[0], row[1], row[2], now, now),
                )
                db.execute("UPDATE dead_letters SET replayed_at=? WHERE id=?", (now, dl_id))
                replayed.append(dl_id)
        return replayed

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM deliveries GROUP BY state")
            return {state: n for state, n in rows}
