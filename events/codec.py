"""Building and parsing idmesh CloudEvents over HTTP (cloudevents 1.12 SDK).

`parse_http` is what every idmesh event handler calls: it accepts binary and structured
mode, and turns every failure (unparsable event, missing `tenantid`, unknown type, data that
does not validate) into `EventRejected(400, reason)`. 400 is the data-plane code for an
unparsable/invalid event and is final: the broker does not retry it (a retry cannot fix it),
it goes to the dead-letter sink instead.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudevents import exceptions as ce_exceptions
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http
from pydantic import BaseModel, ValidationError

from events.types import (
    CHECK_EVENT_TYPES,
    EVENT_MODELS,
    EXT_CHECK_TYPE,
    EXT_SESSION_ID,
    EXT_TENANT_ID,
    EXT_TRACEPARENT,
    EXT_TRACESTATE,
    EventData,
)

# CloudEvents 1.0: attribute names are lowercase a-z/0-9; we also keep them to 20 chars.
_EXT_NAME = re.compile(r"^[a-z0-9]{1,20}$")
# W3C trace-context `traceparent` (version 00).
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_SOURCE = re.compile(r"^/idmesh/[a-z0-9][a-z0-9_-]{0,62}$")
_CORE_ATTRS = frozenset(
    {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"}
)
_SDK_ERRORS: tuple[type[BaseException], ...] = (
    ce_exceptions.GenericException,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    UnicodeDecodeError,
    json.JSONDecodeError,
)


class EventRejected(Exception):
    """An event that cannot be accepted; `status` is the HTTP code to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ParsedEvent:
    """A validated idmesh event: its attributes and its typed data."""

    event: CloudEvent
    type: str
    id: str
    source: str
    tenant_id: str
    data: EventData
    session_id: str | None = None
    checktype: str | None = None
    traceparent: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def valid_extension_name(name: str) -> bool:
    return bool(_EXT_NAME.match(name))


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def build_event(
    type: str,  # noqa: A002 - mirrors the CloudEvents attribute name
    data: EventData | Mapping[str, Any],
    tenant_id: str,
    source: str,
    session_id: str | None = None,
    checktype: str | None = None,
    id: str | None = None,  # noqa: A002
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> CloudEvent:
    """Build a validated idmesh CloudEvent (raises ValueError on a bad argument).

    `source` may be given as the function name (`orchestrator`) or as `/idmesh/<function>`.
    """
    model = EVENT_MODELS.get(type)
    if model is None:
        raise ValueError(f"unknown event type {type!r}")
    if isinstance(data, BaseModel):
        if not isinstance(data, model):
            raise ValueError(f"data for {type} must be {model.__name__}")
        payload = data
    else:
        payload = model.model_validate(dict(data))
    if not _is_uuid(str(tenant_id)):
        raise ValueError("tenant_id must be a UUID string")
    if not source.startswith("/"):
        source = f"/idmesh/{source}"
    if not _SOURCE.match(source):
        raise ValueError(f"source must be /idmesh/<function>, got {source!r}")
    data_session = getattr(payload, "session_id", None)
    session_id = session_id or data_session
    if data_session and session_id != data_session:
        raise ValueError("session_id differs from data.session_id")
    if type in CHECK_EVENT_TYPES:
        checktype = checktype or payload.check  # type: ignore[attr-defined]
        if checktype != payload.check:  # type: ignore[attr-defined]
            raise ValueError("checktype differs from data.check")
    attributes: dict[str, Any] = {
        "type": type,
        "source": source,
        "id": id or str(uuid.uuid4()),
        "datacontenttype": "application/json",
        EXT_TENANT_ID: str(tenant_id).lower(),
    }
    if session_id:
        attributes["subject"] = session_id
        attributes[EXT_SESSION_ID] = session_id
    if checktype:
        attributes[EXT_CHECK_TYPE] = checktype
    if traceparent:
        if not _TRACEPARENT.match(traceparent):
            raise ValueError("traceparent is not a W3C trace-context value")
        attributes[EXT_TRACEPARENT] = traceparent
        if tracestate:
            attributes[EXT_TRACESTATE] = tracestate
    return CloudEvent(attributes, payload.model_dump(mode="json"))


def to_binary_http(ev: CloudEvent) -> tuple[dict[str, str], bytes]:
    """Binary content mode: attributes as `ce-*` headers, data as the body."""
    headers, body = to_binary(ev)
    headers = dict(headers)
    if ev.get("datacontenttype") and "content-type" not in {k.lower() for k in headers}:
        headers["content-type"] = ev["datacontenttype"]
    return headers, body or b""


def to_structured_http(ev: CloudEvent) -> tuple[dict[str, str], bytes]:
    """Structured content mode: the whole event as `application/cloudevents+json`."""
    headers, body = to_structured(ev)
    return dict(headers), body


def parse_cloudevent(headers: Mapping[str, str], body: bytes | None) -> CloudEvent:
    """Parse any valid CloudEvent (binary or structured), or raise EventRejected(400).

    This checks the CloudEvents contract only (what a Knative broker ingress accepts);
    `parse_http` adds the idmesh rules on top.
    """
    hdrs = {str(k).lower(): str(v) for k, v in headers.items()}
    try:
        ev = from_http(hdrs, body or b"")
    except _SDK_ERRORS as exc:
        # The SDK's messages may quote the body: report the kind of failure only.
        raise EventRejected(400, f"malformed CloudEvent ({type(exc).__name__})") from None
    if "time" in ev.get_attributes() and not _has_time(hdrs, body or b""):
        del ev["time"]  # the SDK invents one; a broker must forward attributes unchanged
    attrs = ev.get_attributes()
    if attrs.get("specversion") != "1.0":
        raise EventRejected(400, "unsupported specversion (only 1.0)")
    for name in ("id", "source", "type"):
        value = attrs.get(name)
        if not isinstance(value, str) or not value:
            raise EventRejected(400, f"missing required attribute {name!r}")
    for name in attrs:
        if name not in _CORE_ATTRS and not valid_extension_name(name):
            raise EventRejected(400, f"invalid extension attribute name {name!r}")
    return ev


def _has_time(headers: Mapping[str, str], body: bytes) -> bool:
    if "ce-time" in headers:
        return True
    if headers.get("content-type", "").startswith("application/cloudevents"):
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(doc, dict) and "time" in doc
    return False


def parse_http(headers: Mapping[str, str], body: bytes | None) -> ParsedEvent:
    """Parse and validate an idmesh event; raise EventRejected(400, reason) if invalid."""
    ev = parse_cloudevent(headers, body)
    return validate_event(ev)


def validate_event(ev: CloudEvent) -> ParsedEvent:
    """Apply the idmesh rules to a parsed CloudEvent."""
    attrs = dict(ev.get_attributes())
    tenant_id = attrs.get(EXT_TENANT_ID)
    if not tenant_id:
        raise EventRejected(400, "missing tenantid extension attribute")
    if not isinstance(tenant_id, str) or not _is_uuid(tenant_id):
        raise EventRejected(400, "tenantid is not a UUID")
    ev_type = attrs["type"]
    model = EVENT_MODELS.get(ev_type)
    if model is None:
        raise EventRejected(400, f"unknown event type {ev_type!r}")
    raw = ev.get_data()
    if isinstance(raw, bytes | bytearray | str):
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise EventRejected(400, "data is not JSON") from None
    if not isinstance(raw, dict):
        raise EventRejected(400, "data must be a JSON object")
    try:
        data = model.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "data" for e in exc.errors())
        raise EventRejected(400, f"data does not validate for {ev_type}: {fields}") from None
    session_id = attrs.get(EXT_SESSION_ID)
    data_session = getattr(data, "session_id", None)
    if session_id is not None and data_session is not None and session_id != data_session:
        raise EventRejected(400, "sessionid extension differs from data.session_id")
    checktype = attrs.get(EXT_CHECK_TYPE)
    if ev_type in CHECK_EVENT_TYPES:
        if not checktype:
            raise EventRejected(400, f"missing checktype extension on {ev_type}")
        if checktype != data.check:  # type: ignore[attr-defined]
            raise EventRejected(400, "checktype extension differs from data.check")
    traceparent = attrs.get(EXT_TRACEPARENT)
    if traceparent is not None and not _TRACEPARENT.match(str(traceparent)):
        raise EventRejected(400, "traceparent is not a W3C trace-context value")
    return ParsedEvent(
        event=ev,
        type=ev_type,
        id=attrs["id"],
        source=attrs["source"],
        tenant_id=tenant_id.lower(),
        data=data,
        session_id=session_id or data_session,
        checktype=checktype,
        traceparent=traceparent,
        attributes=attrs,
    )
