"""Trigger filters as Knative evaluates them.

- `spec.filter.attributes`: every key must be present on the event; a non-empty value must
  match exactly (case-sensitive); an empty value matches any value.
- `spec.filters` (the "new trigger filters", Subscriptions API dialects): a list ANDed
  together; each entry has exactly one dialect among exact / prefix / suffix / all / any /
  not (exact, prefix and suffix hold a single attribute). When `filters` is set it takes
  precedence over `filter`, as in Knative's broker filter.
Evaluation is three-valued (pass / fail / no filter) like Knative's eventfilter package, so
that an empty `all`/`any` behaves as "no filter".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

DIALECTS = ("exact", "prefix", "suffix", "all", "any", "not", "cesql")
_ATTR_NAME = re.compile(r"^[a-z][a-z0-9]*$")


class Result(Enum):
    PASS = "pass"
    FAIL = "fail"
    NONE = "none"


def _attr(event_attrs: Mapping[str, Any], name: str) -> str | None:
    value = event_attrs.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def match_attributes(
    filter_attrs: Mapping[str, str] | None, event_attrs: Mapping[str, Any]
) -> bool:
    for key, expected in (filter_attrs or {}).items():
        actual = _attr(event_attrs, key)
        if actual is None:
            return False
        if expected not in ("", None) and actual != expected:
            return False
    return True


def _single(entry: Mapping[str, str]) -> tuple[str, str]:
    ((key, value),) = entry.items()
    return key, value


def _evaluate(entry: Mapping[str, Any], attrs: Mapping[str, Any]) -> Result:
    if entry.get("exact"):
        key, value = _single(entry["exact"])
        return Result.PASS if _attr(attrs, key) == value else Result.FAIL
    for dialect, test in (("prefix", str.startswith), ("suffix", str.endswith)):
        if entry.get(dialect):
            key, value = _single(entry[dialect])
            actual = _attr(attrs, key)
            return Result.PASS if actual is not None and test(actual, value) else Result.FAIL
    if entry.get("all"):
        return _all(entry["all"], attrs)
    if entry.get("any"):
        return _any(entry["any"], attrs)
    if entry.get("not") is not None:
        inner = _evaluate(entry["not"], attrs)
        return {Result.PASS: Result.FAIL, Result.FAIL: Result.PASS}.get(inner, Result.NONE)
    return Result.NONE


def _combine(
    entries: list[Mapping[str, Any]], attrs: Mapping[str, Any], decisive: Result
) -> Result:
    """`all` (a FAIL decides) or `any` (a PASS decides): the first decisive result, else the
    other outcome if any entry gave it, else NONE (no entry filtered)."""
    other = Result.PASS if decisive is Result.FAIL else Result.FAIL
    result = Result.NONE
    for entry in entries:
        r = _evaluate(entry, attrs)
        if r is decisive:
            return decisive
        if r is other:
            result = other
    return result


def _all(entries: list[Mapping[str, Any]], attrs: Mapping[str, Any]) -> Result:
    return _combine(entries, attrs, Result.FAIL)


def _any(entries: list[Mapping[str, Any]], attrs: Mapping[str, Any]) -> Result:
    return _combine(entries, attrs, Result.PASS)


def trigger_matches(spec: Mapping[str, Any], event_attrs: Mapping[str, Any]) -> bool:
    """Whether a Trigger `spec` selects an event with these context attributes."""
    if spec.get("filters"):
        return _all(spec["filters"], event_attrs) is not Result.FAIL
    flt = spec.get("filter") or {}
    return match_attributes(flt.get("attributes"), event_attrs)


def validate_filters(filters: Any, path: str = "spec.filters") -> list[str]:
    """Errors Knative's admission webhook would report for a `filters` list."""
    if filters is None:
        return []
    if not isinstance(filters, list):
        return [f"{path}: must be a list"]
    errors: list[str] = []
    for i, entry in enumerate(filters):
        errors.extend(validate_filter_entry(entry, f"{path}[{i}]"))
    return errors


def validate_filter_entry(entry: Any, path: str) -> list[str]:
    if not isinstance(entry, Mapping):
        return [f"{path}: must be an object"]
    errors: list[str] = []
    unknown = set(entry) - set(DIALECTS)
    if unknown:
        errors.append(f"{path}: unknown dialect(s) {sorted(unknown)}")
    present = [d for d in DIALECTS if entry.get(d) not in (None, {}, [], "")]
    if len(present) > 1:
        errors.append(f"{path}: multiple dialects found, filters can have only one dialect set")
    if "cesql" in present:
        errors.append(f"{path}.cesql: CESQL is not supported by the idmesh local broker")
    for dialect in ("exact", "prefix", "suffix"):
        value = entry.get(dialect)
        if value in (None, {}):
            continue
        if not isinstance(value, Mapping):
            errors.append(f"{path}.{dialect}: must be a map")
            continue
        if len(value) != 1:
            errors.append(f"{path}.{dialect}: Multiple items found, can have only one key-value")
        for key, val in value.items():
            if not _ATTR_NAME.match(str(key)):
                errors.append(
                    f"{path}.{dialect}[{key}]: Attribute name must start with a letter and "
                    "can only contain lowercase alphanumeric"
                )
            if not isinstance(val, str) or (dialect != "exact" and val == ""):
                errors.append(f"{path}.{dialect}[{key}]: value must be a non-empty string")
    for dialect in ("all", "any"):
        if entry.get(dialect) not in (None, []):
            errors.extend(validate_filters(entry[dialect], f"{path}.{dialect}"))
    if entry.get("not") is not None:
        errors.extend(validate_filter_entry(entry["not"], f"{path}.not"))
    return errors


def validate_attributes_filter(flt: Any, path: str = "spec.filter") -> list[str]:
    if flt is None:
        return []
    if not isinstance(flt, Mapping):
        return [f"{path}: must be an object"]
    attrs = flt.get("attributes") or {}
    if not isinstance(attrs, Mapping):
        return [f"{path}.attributes: must be a map"]
    return [
        f"{path}.attributes[{k}]: Attribute name must start with a letter and can only "
        "contain lowercase alphanumeric"
        for k in attrs
        if not _ATTR_NAME.match(str(k))
    ]
