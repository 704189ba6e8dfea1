"""OTLP export: with the standard `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a collector (here
an OTLP/HTTP receiver on loopback that decodes the protobuf as a collector would), a real
verification on the local stack exports one trace across the API, the outbox relay, the
broker's consumers and the webhook call, with ids only in the attributes."""

from __future__ import annotations

import gzip
import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.http.server_reply import send
from shared.local.demo import run_verification
from shared.local.stack import Stack
from shared.local.webhook_receiver import WebhookReceiver
from tests.conftest import make_data_dir
from tests.platform.helpers import EMAIL_PHONE_FUNCTIONS


class OtlpReceiver:
    """A minimal OTLP/HTTP trace collector: POST /v1/traces, protobuf in, protobuf out."""

    def __init__(self) -> None:
        self.spans: list[dict] = []  # one per span: its service, and the span as OTLP JSON
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces" or "protobuf" not in self.headers.get(
                    "Content-Type", ""
                ):
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.take(ExportTraceServiceRequest.FromString(body))
                out = ExportTraceServiceResponse().SerializeToString()
                send(self, 200, out, "application/x-protobuf")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, req: ExportTraceServiceRequest) -> None:
        with self.lock:
            self.requests += 1
            for rs in req.resource_spans:
                res = {a.key: a.value.string_value for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    for sp in ss.spans:
                        self.spans.append(
                            {
                                "service": res.get("service.name"),
                                "trace_id": sp.trace_id.hex(),
                                "span_id": sp.span_id.hex(),
                                "parent_id": sp.parent_span_id.hex(),
                                "name": sp.name,
                                "attributes": {a.key: _value(a.value) for a in sp.attributes},
                            }
                        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _value(v: AnyValue) -> object:
    kind = v.WhichOneof("value")
    scalar = kind in ("string_value", "int_value", "bool_value", "double_value")
    return getattr(v, kind) if scalar else MessageToDict(v)


@pytest.fixture()
def collector() -> Iterator[OtlpReceiver]:
    r = OtlpReceiver()
    yield r
    r.stop()


@pytest.fixture()
def otlp_stack(collector):
    """A stack on its own Postgres whose every process exports to the collector."""
    data_dir = make_data_dir()
    settings = Settings(data_dir=data_dir)
    s = Stack(
        settings,
        api_port=free_port(),
        run_name="otlp",
        functions=EMAIL_PHONE_FUNCTIONS,
        extra_env={
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    try:
        s.start()
        yield s
    finally:
        s.stop()
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _wait(collector: OtlpReceiver, trace_id: str, root_id: str, services: set[str]):
    deadline = time.time() + 30
    while True:
        with collector.lock:
            spans = [s for s in collector.spans if s["trace_id"] == trace_id]
        ids = {s["span_id"] for s in spans}
        complete = services <= {s["service"] for s in spans} and all(
            s["parent_id"] in ids or s["parent_id"] == root_id for s in spans
        )
        if complete or time.time() > deadline:
            return spans
        time.sleep(0.2)


def test_a_verification_is_exported_as_one_trace(otlp_stack, collector):
    tag = uuid.uuid4().hex[:8]
    user_email, phone = f"otlp-{tag}@user.example", "+14155552671"
    receiver = WebhookReceiver().start()
    try:
        with httpx.Client(base_url=otlp_stack.api_url, timeout=30) as api:
            out = run_verification(
                api,
                otlp_stack.urls.admin_db,
                receiver,
                f"owner-{tag}@otlp.example",
                user_email,
                phone,
                master_key=load_master_key(otlp_stack.settings),
            )
    finally:
        receiver.stop()
    sid = out["session"]["session_id"]
    assert out["session"]["status"] == "approved"
    u = uuid.UUID(sid)
    trace_id, root_id = f"{u.int:032x}", f"{u.int & 0xFFFF_FFFF_FFFF_FFFF:016x}"
    wanted = {"api", "relay", "orchestrator", "email", "phone", "webhooks"}
    spans = _wait(collector, trace_id, root_id, wanted)

    assert collector.requests > 0
    assert wanted <= {s["service"] for s in spans}, sorted({s["service"] for s in spans})
    by_id = {s["span_id"]: s for s in spans}
    orphans = [s["name"] for s in spans if s["parent_id"] not in by_id | {root_id: None}]
    assert not orphans, orphans

    def chain(s: dict) -> list[str]:
        out = [f"{s['service']}: {s['name']}"]
        while s["parent_id"] in by_id:
            s = by_id[s["parent_id"]]
            out.append(f"{s['service']}: {s['name']}")
        return out

    # API request -> outbox row -> relay publish -> a consumer, in one causal chain.
    consumer = next(
        s
        for s in spans
        if s["service"] == "orchestrator"
        and str(s["attributes"].get("cloudevents.event_type")).endswith("session.submitted.v1")
    )
    hops = chain(consumer)
    assert hops[1].startswith("relay: relay publish"), hops
    assert any(h.startswith("api: POST /v1/sessions/<uuid:session_id>/submit") for h in hops), hops
    # ...and on to the decision's webhook call.
    calls = [s for s in spans if s["name"] == "webhook POST"]
    assert calls and any(h.startswith("orchestrator: ") for h in chain(calls[0])), chain(calls[0])

    # Attributes carry ids only: no e-mail, phone number, code, key or token.
    attrs = json.dumps([s["attributes"] for s in spans])
    assert sid in attrs and "idmesh.session_id" in attrs
    for personal in (user_email, f"otlp-{tag}", "4155552671", "555-2671", f"owner-{tag}"):
        assert personal not in attrs, personal
    for key in ("http.url", "url.full", "db.statement.parameters", "http.request.body"):
        assert key not in attrs
