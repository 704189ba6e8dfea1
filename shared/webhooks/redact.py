"""URLs without their secrets, for logs: no user:password@, no query, no fragment.

Webhook URLs often carry credentials (`https://user:pass@host/hook?token=…`); httpx logs
every request's URL at INFO. The filter rewrites URL arguments of log records on the
loggers it is attached to; our own log lines use `redact_url` directly.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx


def redact_url(url: str | httpx.URL) -> str:
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


class RedactUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(a) if isinstance(a, httpx.URL) or _looks_like_url(a) else a
                for a in record.args
            )
        elif isinstance(record.msg, str) and _looks_like_url(record.msg):
            record.msg = redact_url(record.msg)
        return True


def _looks_like_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


_FILTER = RedactUrls()


def install(*loggers: str) -> None:
    """Attach the filter to these loggers (idempotent)."""
    for name in loggers or ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
