"""Fixtures of the hosted-flow tests: the whole local stack, a tenant, and a page the end
user is sent back to."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import tenant_on


@pytest.fixture()
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=120) as c:
        yield c


@pytest.fixture()
def tenant(api, pg):
    return tenant_on(api, pg, "Hosted Co")


class _Return(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<!doctype html><html lang='en'><title>Back at the tenant</title><h1>Back</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def return_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Return)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/kyc/done"
    server.shutdown()
