"""HTTP front of the local broker (stdlib ThreadingHTTPServer).

- `POST /<namespace>/<broker>`: ingress, binary or structured mode. 202 once stored; 400 for
  an unparsable/invalid event, a wrong `tenantid` or an exhausted `knativebrokerttl`; 404 for
  an unknown broker (and for `/`); 405 for other methods; 413 for a body over the limit.
- `OPTIONS` on any path: 200 with `Allow: POST, OPTIONS` (data-plane probe).
- `GET /healthz` (alive), `GET /readyz` (started, manifests loaded), `GET /metrics`.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from shared.http.server_reply import send

if TYPE_CHECKING:
    from shared.broker.broker import LocalBroker

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    broker: LocalBroker


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "idmesh-broker"

    def log_message(self, fmt: str, *args: object) -> None:  # route to logging, not stderr
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        send(self, status, body, content_type, headers)

    def _problem(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": HTTPStatus(status).phrase,
                "status": status,
                "detail": detail,
            }
        ).encode()
        self._send(status, body, "application/problem+json", headers)

    def _drain(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            return None
        if n > self.server.broker.max_body_bytes:
            return None
        return self.rfile.read(n) if n > 0 else b""

    def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline()
            if len(out) > self.server.broker.max_body_bytes:
                raise ValueError("body too large")

    def do_GET(self) -> None:  # noqa: N802
        broker = self.server.broker
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, b"ok\n", "text/plain")
        elif path == "/readyz":
            if broker.ready:
                self._send(200, b"ready\n", "text/plain")
            else:
                self._send(503, b"not ready\n", "text/plain")
        elif path == "/metrics":
            self._send(200, broker.metrics.render().encode(), "text/plain; version=0.0.4")
        else:
            self._method_not_allowed()

    def _method_not_allowed(self) -> None:
        self._drain_quietly()
        self._problem(405, "only POST publishes events", {"Allow": "POST, OPTIONS"})

    def _drain_quietly(self) -> None:
        try:
            self._drain()
        except (OSError, ValueError):
            self.close_connection = True

    do_PUT = do_DELETE = do_PATCH = _method_not_allowed  # noqa: N815

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(405, b"", None, {"Allow": "POST, OPTIONS"})

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._drain_quietly()
        self._send(
            200,
            b"",
            None,
            {"Allow": "POST, OPTIONS", "WebHook-Allowed-Origin": "*", "WebHook-Allowed-Rate": "*"},
        )

    def do_POST(self) -> None:  # noqa: N802
        broker = self.server.broker
        path = self.path.split("?", 1)[0]
        try:
            body = self._drain()
        except (OSError, ValueError):
            self.close_connection = True
            self._problem(413, "body too large or unreadable")
            return
        if body is None:
            self.close_connection = True
            self._problem(413, f"body larger than {broker.max_body_bytes} bytes")
            return
        if path in ("", "/"):
            self._problem(404, "POST /<namespace>/<broker>")
            return
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not all(parts):
            self._problem(400, "malformed URI, expected /<namespace>/<broker>")
            return
        headers = {k: v for k, v in self.headers.items()}
        result = broker.ingest(parts[0], parts[1], headers, body)
        if result.status == 202:
            self._send(202)
        else:
            self._problem(result.status, result.reason)


def make_server(broker: LocalBroker, host: str, port: int) -> _Server:
    server = _Server((host, port), _Handler)
    server.broker = broker
    return server
