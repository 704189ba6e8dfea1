"""The Python client on its own: retries against a real loopback server, problems as
ApiError, and webhook verification against idmesh's own signer."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shared.webhooks.signing import new_secret, signature_header

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

from idmesh_client import ApiError, Client, WebhookVerificationError, verify_webhook  # noqa: E402


class _Flaky(BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        _Flaky.calls.append(self.path)
        if len(_Flaky.calls) < 3:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        _Flaky.calls.append("POST " + self.path)
        body = json.dumps(
            {
                "type": "https://idmesh.dev/problems/validation-error",
                "title": "Unprocessable Content",
                "status": 422,
                "errors": [{"pointer": "/name", "detail": "required"}],
            }
        ).encode()
        self.send_response(422)
        self.send_header("content-type", "application/problem+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server():
    _Flaky.calls = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_retries_then_answers_and_problems_are_errors(server):
    with Client(server, "idm_x", backoff=0.01) as c:
        assert c.get_health() == {"status": "ok"}
        assert len(_Flaky.calls) == 3
        with pytest.raises(ApiError) as exc:
            c.create_workflow({"steps": []})
    assert exc.value.status == 422 and exc.value.errors[0]["pointer"] == "/name"
    assert _Flaky.calls[-1] == "POST /v1/workflows"  # a POST without a key is not retried


def test_webhook_verification():
    secret, body, ts = new_secret(), b'{"type":"session.decided","data":{}}', int(time.time())
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(ts),
        "webhook-signature": signature_header([new_secret(), secret], "evt_1", ts, body),
    }
    assert verify_webhook(secret, headers, body)["type"] == "session.decided"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, headers, body.replace(b"{}", b'{"x":1}'))
    old = {**headers, "webhook-timestamp": str(ts - 3600)}
    old["webhook-signature"] = signature_header([secret], "evt_1", ts - 3600, body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, old, body)
