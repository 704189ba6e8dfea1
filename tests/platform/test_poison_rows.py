"""One malformed outbox row or one undeliverable webhook row must not hold up the rows
behind it (found when synthetic rows stalled the relay for every tenant)."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import psycopg

from events import SESSION_DECIDED
from shared.db.tenant_tx import Database
from shared.eventing.outbox import enqueue, make_event
from shared.eventing.relay import Relay


def test_a_malformed_outbox_row_does_not_block_the_next(client, register, pg):
    t = register("Poison Co")
    got: list[dict] = []

    class Broker(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", "0")))
            mine = self.headers.get("ce-tenantid") == t.tenant_id
            if mine:
                got.append(dict(self.headers))
            # Another test's due event: refuse, so it stays for the real broker.
            self.send_response(202 if mine else 503)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *a) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = Database(pg.urls.app)
    jobs = Database(pg.urls.jobs)  # the relay's role: only it reads every tenant's due rows
    try:
        sid = str(uuid.uuid4())
        with pg.admin() as conn:  # a row no producer could write (older than the good one)
            conn.execute(
                "INSERT INTO outbox (id, tenant_id, event_type, event, created_at) "
                "VALUES (%s, %s, 'x', %s, now() - interval '1 hour')",
                (str(uuid.uuid4()), t.tenant_id, json.dumps({"data": {}})),
            )
        with db.tenant(t.tenant_id) as conn:
            ev = make_event(
                t.tenant_id,
                SESSION_DECIDED,
                {"session_id": sid, "status": "approved"},
                "orchestrator",
                sid,
            )
            enqueue(conn, ev)
        relay = Relay(jobs, f"http://127.0.0.1:{server.server_address[1]}")
        with httpx.Client() as c:
            relay.publish_due(c)
        assert any(h.get("ce-sessionid") == sid for h in got), got
    finally:
        with pg.admin() as conn:
            conn.execute("DELETE FROM outbox WHERE tenant_id = %s", (t.tenant_id,))
        db.close()
        jobs.close()
        server.shutdown()
        server.server_close()


def test_a_damaged_aml_subject_does_not_stop_monitoring(client, register, pg):
    """Monitoring re-screens every tenant's enrolled subjects after a list load: a subject
    row that cannot be opened is counted and skipped, never the end of the whole run."""
    from shared.aml.models import Entity, ListDiff
    from shared.aml.step import monitor_diff
    from shared.platform import Platform

    t = register("Damaged Subject Co")
    with psycopg.connect(pg.urls.admin_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO aml_subjects (tenant_id, subject_enc) VALUES (%s, '\\x00')",
            (t.tenant_id,),
        )
    platform = Platform.for_jobs(pg.settings.model_copy(update={"jobs_database_url": pg.urls.jobs}))
    try:
        diff = ListDiff(
            list="poison",
            old_version=None,
            new_version="v1",
            added=[Entity(id="poison:p-1", list="poison", type="person", name="Nobody Listed")],
        )
        totals = monitor_diff(platform, diff)
    finally:
        platform.db.close()
    assert totals["unreadable"] >= 1
    assert totals["tenants"] >= 1
