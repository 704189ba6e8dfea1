"""One malformed outbox row or one undeliverable webhook row must not hold up the rows
behind it (found when synthetic rows stalled the relay for every tenant)."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

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
