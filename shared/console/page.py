"""What a console handler answers: a template and its context, a redirect, or a body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Page:
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    location: str | None = None
    body: bytes | None = None
    mimetype: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None  # a new session token ("" clears the cookie)
    sso_cookie: str | None = None  # the OIDC flow's cookie ("" clears it)
