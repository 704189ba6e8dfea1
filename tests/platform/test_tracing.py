"""One trace per verification across every event, and logs/spans with no personal data."""

from __future__ import annotations

import json
import time
import uuid

from shared.cli.main import main as idmesh
from shared.local.demo import run_verification
from shared.local.webhook_receiver import WebhookReceiver
from shared.observability.span_files import read_spans, session_tree


def _trace(span_dir, session_id: str) -> list[dict]:
    trace_id = f"{uuid.UUID(session_id).int:032x}"
    return [r for r in read_spans(span_dir) if r["trace_id"] == trace_id]


def _complete(spans: list[dict], root_id: str, services: set[str]) -> bool:
    """Every wanted service is in the trace and every span's parent has been exported."""
    ids = {r["span_id"] for r in spans}
    return services <= {r["service"] for r in spans} and all(
        r["parent_id"] in ids or r["parent_id"] == root_id for r in spans
    )


def _wait_trace(span_dir, session_id: str, services: set[str], timeout: float = 20.0):
    root_id = f"{uuid.UUID(session_id).int & 0xFFFF_FFFF_FFFF_FFFF:016x}"
    deadline = time.time() + timeout
    while True:
        spans = _trace(span_dir, session_id)
        if _complete(spans, root_id, services) or time.time() > deadline:
            return spans, root_id
        time.sleep(0.2)


def test_one_trace_per_session_across_every_event(api, pg, stack, capsys, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    receiver = WebhookReceiver().start()
    try:
        out = run_verification(
            api,
            pg.urls.admin_db,
            receiver,
            f"tenant-{tag}@trace.example",
            f"user-{tag}@trace.example",
            "+14155550123",
        )
    finally:
        receiver.stop()
    sid = out["session"]["session_id"]
    span_dir = stack.root / "spans"
    wanted = {"api", "relay", "orchestrator", "email", "phone", "webhooks"}
    spans, root_id = _wait_trace(span_dir, sid, wanted)
    seen = {r["service"] for r in spans}
    assert wanted <= seen, f"services in the trace: {seen}"
    by_id = {r["span_id"]: r for r in spans}
    # Every span hangs under the session's root: its parent is a span of the trace or the root.
    orphans = [
        r["name"] for r in spans if r["parent_id"] not in by_id and r["parent_id"] != root_id
    ]
    assert not orphans, orphans

    # The chain is causal: the decision's webhook call descends from the submit request.
    def ancestors(r):
        while r["parent_id"] in by_id:
            r = by_id[r["parent_id"]]
            yield r

    # The first attempt is the webhooks function's or the relay's (whichever locks the
    # delivery first); either way it continues the trace of the decision's event.
    calls = [r for r in spans if r["name"] == "webhook POST"]
    ok = [r for r in calls if 200 <= r["attributes"].get("http.response.status_code", 0) < 300]
    assert ok, [(r["service"], r["attributes"], r["status"]) for r in calls] or sorted(
        (r["service"], r["name"]) for r in spans
    )
    webhook_call = ok[0]
    names = [a["name"] for a in ancestors(webhook_call)]
    assert any(n.startswith("webhooks io.idmesh.session.decided") for n in names), names
    assert any(n.startswith("orchestrator ") for n in names), names
    assert any(n.startswith("relay publish") for n in names), names
    # Check functions ran as children of check.requested events from the orchestrator.
    email_span = next(r for r in spans if r["name"].startswith("email io.idmesh."))
    check_span = next(r for r in spans if r["name"] == "check email")
    assert by_id[check_span["parent_id"]]["service"] == "email"
    assert email_span["attributes"]["cloudevents.event_type"].endswith("check.requested.v1")
    assert email_span["attributes"]["idmesh.session_id"] == sid

    # SQL statements are spans too (their text, never their parameters).
    sql = [
        r
        for r in spans
        if r["kind"] == "client" and r["attributes"].get("db.system") == "postgresql"
    ]
    assert sql, sorted({r["name"] for r in spans})
    assert all("db.statement.parameters" not in r["attributes"] for r in sql)

    monkeypatch.setenv("IDMESH_DATA_DIR", str(pg.data_dir))
    monkeypatch.setenv("IDMESH_SPAN_DIR", str(span_dir))
    assert idmesh(["trace", sid]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"session {sid}")
    for service in wanted:
        assert f"{service}: " in printed
    assert len(session_tree(span_dir, sid)) >= 1

    # No personal datum (e-mail, phone, one-time codes, API key, session token) in any span
    # attribute or any log line of any part of the stack.
    markers = [f"user-{tag}", "4155550123", "555-0123"]
    dump = json.dumps(spans)
    for m in markers:
        assert m not in dump
    logs = "".join(p.read_text(errors="replace") for p in (stack.root / "logs").glob("*.log"))
    for m in markers:
        assert m not in logs, m
    json_lines = [ln for ln in logs.splitlines() if ln.startswith("{")]
    assert json_lines, "functions log JSON lines"
    assert any(json.loads(ln).get("trace_id") == f"{uuid.UUID(sid).int:032x}" for ln in json_lines)
