"""Structured logs: one JSON object a line, allow-listed fields, no personal data.

Every line carries the time, level, logger, the function, the ids of the current trace and
span, and the ids bound with `log_context` (tenant, session, event). Nothing else reaches a
line except the fields in `FIELDS`; the message text is scrubbed (URLs lose their userinfo,
query and fragment; secrets, e-mail addresses and long digit runs such as one-time codes or
phone numbers are masked) so that a careless `log.info("... %s", value)` cannot leak them.
Third-party loggers (gunicorn, werkzeug, httpx) are routed through the same handler.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

# The only structured fields a line may carry besides the fixed ones.
FIELDS = frozenset(
    {
        "tenant_id",
        "session_id",
        "event_id",
        "event_type",
        "check",
        "outcome",
        "status",
        "http_status",
        "method",
        "route",
        "duration_ms",
        "attempt",
        "delivery_id",
        "outbox_id",
    }
)
THIRD_PARTY = ("gunicorn.error", "gunicorn.access", "werkzeug", "httpx", "httpcore", "urllib3")

_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "idmesh_log_context", default=MappingProxyType({})
)
_function = "idmesh"


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind ids (only names in FIELDS) to every line logged inside the block."""
    bound = {k: str(v) for k, v in fields.items() if v is not None and k in FIELDS}
    token = _context.set({**_context.get(), **bound})
    try:
        yield
    finally:
        _context.reset(token)


_URL = re.compile(
    r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\s/?#@]*@)?([^\s/?#]*)([^\s?#\"']*)([?#][^\s\"']*)?"
)
_SECRET = re.compile(r"\b(?:idm|ist|whsec)_[A-Za-z0-9_\-+/=]{6,}")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Runs of 6+ digits (codes, phone and document numbers), not parts of ids or decimals.
_DIGITS = re.compile(r"(?<![\w.\-:])\+?\d(?:[\d \-()]{4,}\d)(?![\w.\-])")


def scrub(text: str) -> str:
    """The text with URL credentials/queries, secrets, e-mails and long numbers masked."""
    text = _URL.sub(
        lambda m: m.group(1) + m.group(2) + m.group(3) + ("?…" if m.group(4) else ""), text
    )
    text = _SECRET.sub("[secret]", text)
    text = _EMAIL.sub("[email]", text)
    return _DIGITS.sub(_mask_digits, text)


def _mask_digits(m: re.Match[str]) -> str:
    return "[number]" if sum(c.isdigit() for c in m.group(0)) >= 6 else m.group(0)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "function": _function,
        }
        line.update(_trace_ids())
        line.update(_context.get())
        for key in FIELDS:
            value = record.__dict__.get(key)
            if value is not None:
                line[key] = value if isinstance(value, int | float | bool) else str(value)
        line["message"] = scrub(_message(record))
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["traceback"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal; the same scrubbing."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        return str(record.msg)


def _trace_ids() -> dict[str, str]:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - a runtime dependency
        return {}
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return {}
    return {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"}


def configure_logging(function: str, level: str = "INFO", fmt: str = "json") -> None:
    """One handler on the root logger for this process; third-party loggers go through it."""
    global _function
    _function = function
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in THIRD_PARTY:
        lg = logging.getLogger(name)
        for old in list(lg.handlers):
            lg.removeHandler(old)
        lg.propagate = True
    # Access logs repeat what the request spans and metrics say, with full URLs: off.
    logging.getLogger("gunicorn.access").disabled = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
