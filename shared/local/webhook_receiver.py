"""A tenant-side webhook receiver for the demo and tests: verifies Standard Webhooks
signatures independently of idmesh's signer and keeps what it received."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """Standard Webhooks verification, written from the scheme's description."""
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    if not msg_id or not ts.isdigit() or abs(time.time() - int(ts)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    for sig in headers.get("webhook-signature", "").split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class WebhookReceiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.secret: str | None = None
        self.received: list[dict] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.attempts += 1
                if receiver.attempts <= receiver.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                ok = receiver.secret is not None and verify(receiver.secret, headers, body)
                receiver.received.append(
                    {
                        "verified": ok,
                        "headers": headers,
                        "body": json.loads(body or b"{}"),
                        "raw": body,
                        "at": time.time(),
                    }
                )
                receiver.event.set()
                self.send_response(204 if ok else 400)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/idmesh"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def wait_for(self, predicate, timeout: float) -> dict | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for item in self.received:
                if predicate(item):
                    return item
            self.event.wait(0.05)
            self.event.clear()
        return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
