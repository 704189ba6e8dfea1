"""Answers from a standard-library `http.server` handler: the local workload issuer, the
local broker and the test fakes write their replies here, one way (status, headers, length,
body; no body for HEAD)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """`headers`, then the content type and length, then the body."""
    handler.send_response(status)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body and handler.command != "HEAD":
        handler.wfile.write(body)


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    send(handler, status, json.dumps(body).encode(), "application/json")
