import json
import uuid

import pytest

from events import (
    AML_HIT,
    AML_HIT_V2,
    CHECK_COMPLETED,
    CHECK_REQUESTED,
    EVENT_MODELS,
    SESSION_DECIDED,
    SESSION_INPUT,
    SESSION_SUBMITTED,
    SESSION_UPDATED,
    CheckCompleted,
    EventRejected,
    build_event,
    parse_http,
    to_binary_http,
    to_structured_http,
)
from events.types import TENANT_REGISTERED

TENANT = str(uuid.uuid4())
S1, W1, C1 = (str(uuid.uuid4()) for _ in range(3))

SAMPLES = {
    SESSION_SUBMITTED: {"session_id": S1, "workflow_id": W1, "workflow_version": 2},
    SESSION_INPUT: {"session_id": S1, "input": "email_verified", "check": "email"},
    CHECK_REQUESTED: {"session_id": S1, "check": "email", "step": 0, "attempt": 1},
    CHECK_COMPLETED: {
        "session_id": S1,
        "check": "email",
        "step": 0,
        "check_id": C1,
        "status": "passed",
        "score": 0.9,
        "warning_codes": [],
    },
    SESSION_DECIDED: {"session_id": S1, "status": "approved", "rule": "all_passed"},
    SESSION_UPDATED: {
        "session_id": S1,
        "status": "in_progress",
        "previous_status": "not_started",
    },
    AML_HIT: {
        "subject_id": "p1",
        "session_id": S1,
        "entity_id": "Q1",
        "list": "un_sc",
        "list_version": "2026-11-01",
        "score": 0.97,
    },
    AML_HIT_V2: {
        "subject_id": "p1",
        "session_id": S1,
        "entity_id": "Q1",
        "list": "un_sc",
        "list_version": "2026-11-01",
        "score": 97,
    },
    TENANT_REGISTERED: {"slug": "acme-1a2b3c"},
}


def test_catalogue_is_covered():
    assert set(SAMPLES) == set(EVENT_MODELS)


@pytest.mark.parametrize("ev_type", sorted(SAMPLES))
@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_round_trip(ev_type, mode):
    ev = build_event(ev_type, SAMPLES[ev_type], TENANT, "orchestrator")
    assert ev["source"] == "/idmesh/orchestrator"
    about_session = "session_id" in SAMPLES[ev_type]  # tenant.registered is not
    assert ev.get("subject") == (S1 if about_session else None)
    uuid.UUID(ev["id"])
    encode = to_binary_http if mode == "binary" else to_structured_http
    headers, body = encode(ev)
    parsed = parse_http(headers, body)
    assert parsed.type == ev_type
    assert parsed.tenant_id == TENANT
    assert parsed.id == ev["id"]
    assert parsed.session_id == (S1 if about_session else None)
    assert parsed.data == EVENT_MODELS[ev_type].model_validate(SAMPLES[ev_type])
    if ev_type in (CHECK_REQUESTED, CHECK_COMPLETED):
        assert parsed.checktype == "email"
    if mode == "binary":
        assert headers["ce-tenantid"] == TENANT
        assert headers["content-type"] == "application/json"


def test_given_id_and_traceparent_kept():
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    ev = build_event(
        SESSION_DECIDED,
        SAMPLES[SESSION_DECIDED],
        TENANT,
        "/idmesh/orchestrator",
        id="fixed-1",
        traceparent=tp,
    )
    parsed = parse_http(*to_binary_http(ev))
    assert parsed.id == "fixed-1"
    assert parsed.traceparent == tp


def test_build_refuses_bad_arguments():
    with pytest.raises(ValueError):
        build_event("io.idmesh.nope.v1", {}, TENANT, "x")
    with pytest.raises(ValueError):
        build_event(SESSION_SUBMITTED, SAMPLES[SESSION_SUBMITTED], "not-a-uuid", "x")
    with pytest.raises(ValueError):
        build_event(CHECK_REQUESTED, SAMPLES[CHECK_REQUESTED], TENANT, "x", checktype="phone")
    with pytest.raises(ValueError):
        build_event(
            SESSION_SUBMITTED, {**SAMPLES[SESSION_SUBMITTED], "email": "a@b.c"}, TENANT, "x"
        )
    with pytest.raises(ValueError):
        build_event(
            CHECK_COMPLETED, CheckCompleted(**SAMPLES[CHECK_COMPLETED]), TENANT, "Bad Source"
        )


def _binary(ev_type=SESSION_SUBMITTED, data=None, **headers):
    h = {
        "ce-specversion": "1.0",
        "ce-id": "e1",
        "ce-source": "/idmesh/api",
        "ce-type": ev_type,
        "ce-tenantid": TENANT,
        "content-type": "application/json",
    }
    h.update(headers)
    h = {k: v for k, v in h.items() if v is not None}
    return h, json.dumps(SAMPLES.get(ev_type, {}) if data is None else data).encode()


def _reason(headers, body):
    with pytest.raises(EventRejected) as info:
        parse_http(headers, body)
    assert info.value.status == 400
    return info.value.reason


def test_valid_binary_baseline_parses():
    assert parse_http(*_binary()).data.workflow_version == 2


def test_missing_tenantid_refused():
    assert "tenantid" in _reason(*_binary(**{"ce-tenantid": None}))


def test_non_uuid_tenantid_refused():
    assert "UUID" in _reason(*_binary(**{"ce-tenantid": "acme"}))


def test_unknown_type_refused():
    assert "unknown event type" in _reason(*_binary("io.idmesh.session.exploded.v1", {}))


@pytest.mark.parametrize(
    "data",
    [
        {"session_id": S1, "workflow_id": W1},  # missing field
        {"session_id": S1, "workflow_id": W1, "workflow_version": "two"},  # wrong type
        {"session_id": S1, "workflow_id": W1, "workflow_version": 1, "name": "Ann"},  # extra
        {"session_id": "not-a-uuid", "workflow_id": W1, "workflow_version": 1},  # not an id
        [1, 2],
    ],
)
def test_invalid_data_refused(data):
    assert "data" in _reason(*_binary(SESSION_SUBMITTED, data))


def test_data_not_json_refused():
    h, _ = _binary()
    assert "JSON" in _reason(h, b"{not json")


def test_check_event_needs_matching_checktype():
    h, b = _binary(CHECK_REQUESTED)
    assert "checktype" in _reason(h, b)
    h, b = _binary(CHECK_REQUESTED, **{"ce-checktype": "phone"})
    assert "checktype" in _reason(h, b)
    h, b = _binary(CHECK_REQUESTED, **{"ce-checktype": "email"})
    assert parse_http(h, b).checktype == "email"


def test_sessionid_must_match_data():
    assert "sessionid" in _reason(*_binary(**{"ce-sessionid": "other"}))


@pytest.mark.parametrize(
    "headers,body",
    [
        ({}, b""),
        ({"content-type": "application/cloudevents+json"}, b"{broken"),
        ({"content-type": "application/cloudevents+json"}, b'{"specversion":"1.0","id":"x"}'),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/x"}, b"{}"),  # no type
        ({"ce-specversion": "0.9", "ce-id": "1", "ce-source": "/x", "ce-type": "t"}, b"{}"),
    ],
)
def test_malformed_refused_with_400(headers, body):
    assert _reason(headers, body)


def test_bad_extension_name_refused():
    h, b = _binary(**{"ce-Tenant_ID": "x"})
    assert "extension" in _reason(h, b) or "tenant" in _reason(h, b)


def test_bad_traceparent_refused():
    assert "traceparent" in _reason(*_binary(**{"ce-traceparent": "nope"}))


def test_parse_does_not_invent_a_time_attribute():
    from events import parse_cloudevent

    h, b = _binary()
    assert "time" not in parse_cloudevent(h, b).get_attributes()
    h["ce-time"] = "2026-01-01T00:00:00Z"
    assert parse_cloudevent(h, b)["time"] == "2026-01-01T00:00:00Z"
    ev = build_event(SESSION_DECIDED, SAMPLES[SESSION_DECIDED], TENANT, "orchestrator")
    assert parse_cloudevent(*to_structured_http(ev))["time"] == ev["time"]
