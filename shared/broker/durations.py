"""ISO-8601 durations as Knative's DeliverySpec uses them (`PT0.5S`, `PT1M`, `P1D`)."""

from __future__ import annotations

import re

_ISO = re.compile(
    r"^P(?!$)(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso8601_duration(value: str) -> float:
    """Seconds in an ISO-8601 duration (days, hours, minutes, seconds); ValueError if invalid.

    Years, months and weeks are refused: their length in seconds is ambiguous.
    """
    if not isinstance(value, str):
        raise ValueError("duration must be a string")
    match = _ISO.match(value.strip())
    if not match or value.strip() in ("PT",):
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    if not parts:
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    return (
        parts.get("d", 0.0) * 86400
        + parts.get("h", 0.0) * 3600
        + parts.get("m", 0.0) * 60
        + parts.get("s", 0.0)
    )


_GO = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(value: str) -> float:
    """Seconds in a Go `time.ParseDuration` string (`6s`, `1m30s`, `500ms`), as Knative
    autoscaling annotations use; ValueError if invalid."""
    text = value.strip() if isinstance(value, str) else ""
    if text == "0":
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    pos, total = 0, 0.0
    for m in _GO.finditer(text):
        if m.start() != pos:
            raise ValueError(f"not a Go duration: {value!r}")
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"not a Go duration: {value!r}")
    return sign * total
