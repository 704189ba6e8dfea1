"""Limits on request input checked before and right after JSON parsing.

Nesting depth is measured on the raw bytes (a 100 000-deep document never reaches the
parser), and every string in a parsed body — object keys included — is refused when it
holds a NUL or another control character (Postgres cannot store NUL in text; control
characters in names and notes only ever hide things from the people reading them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from shared.http.problem import Problem

MAX_JSON_DEPTH = 32
# C0 controls and DEL; TAB, LF and CR are ordinary text (multi-line notes, addresses).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A string token (escapes included) or one bracket: strings are skipped whole.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of a JSON text, counting stops once past `limit`."""
    depth = deepest = 0
    for m in _TOKEN.finditer(raw):
        ch = m.group()
        if ch in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


def check_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    if json_depth(raw, limit) > limit:
        raise Problem(
            400,
            "Bad Request",
            f"JSON nested deeper than {limit} levels",
            code="json-too-deep",
        )


def _strings(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for k, v in value.items():
            child = f"{pointer}/{_escape(str(k))}"
            yield child, str(k)
            yield from _strings(v, child)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{pointer}/{i}")


def _escape(token: str) -> str:
    """RFC 6901 escaping, with control characters shown as escapes in the pointer."""
    token = token.replace("~", "~0").replace("/", "~1")
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", token)


def control_character_errors(data: Any, root: str = "") -> list[dict[str, str]]:
    """One validation error per string holding a control character."""
    return [
        {
            "pointer": pointer or "/",
            "detail": "control characters (NUL included) are not allowed",
            "type": "control_character",
        }
        for pointer, text in _strings(data, root)
        if _CONTROL.search(text)
    ]


def refuse_control_characters(data: Any, where: str = "body", root: str = "") -> None:
    errors = control_character_errors(data, root)
    if errors:
        raise Problem(
            422,
            "Unprocessable Content",
            f"the request {where} holds control characters",
            code="validation-error",
            errors=errors,
        )


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def load_json(raw: bytes, where: str = "body") -> Any:
    """Parse a JSON request text within the limits: depth first, control characters after."""
    check_depth(raw)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(
            400, "Bad Request", f"malformed JSON in the {where}: {exc}", code="malformed-json"
        ) from exc
    refuse_control_characters(data, where)
    return data
