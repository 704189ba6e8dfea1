"""Hostile input gets a 4xx problem naming what is wrong, never a 500 (issue 13).

Reproduces the attack run: NUL bytes in string fields reached Postgres (psycopg.DataError →
500), 100 000-deep JSON blew the parser's recursion (500), `?version=²` passed
`str.isdigit()` and failed `int()` (500).
"""

from __future__ import annotations

import uuid

import pytest

from shared.http.input_guard import json_depth
from tests.conftest import SIMPLE_WORKFLOW

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


@pytest.fixture()
def tenant(client, register):
    t = register("Nul Ltd")
    wf = client.post("/v1/workflows", headers=t.headers, json=SIMPLE_WORKFLOW).json()["id"]
    return t, wf


def _problem(r, status: int | None = None) -> dict:
    assert r.status_code < 500, r.text
    if status is not None:
        assert r.status_code == status, r.text
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return r.json()


def _names_field(body: dict, pointer: str) -> None:
    pointers = [e["pointer"] for e in body.get("errors", [])]
    assert pointer in pointers, (pointer, body)


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(DEEP, limit=32) == 33  # stops counting once past the limit


def test_nul_bytes_in_every_string_field_are_422_naming_the_field(client, tenant):
    t, wf = tenant
    h = t.headers
    cases = [
        ("POST", "/v1/sessions", {"workflow_id": wf, "vendor_data": "a\x00b"}, "/vendor_data"),
        (
            "POST",
            "/v1/sessions",
            {"workflow_id": wf, "expected": {"first_name": "Ann\x00"}},
            "/expected/first_name",
        ),
        ("POST", "/v1/api-keys", {"name": "key\x00"}, "/name"),
        (
            "PUT",
            "/v1/webhook",
            {"url": "https://example.com/\x00", "events": ["session.decided"]},
            "/url",
        ),
        ("POST", "/v1/workflows", {**SIMPLE_WORKFLOW, "name": "w\x00"}, "/name"),
        ("POST", "/v1/blocklist", {"kind": "email", "value": "x\x00@example.com"}, "/value"),
        ("POST", "/v1/checks/aml", {"name": "Ann\x00 Smith"}, "/name"),
    ]
    for method, path, body, pointer in cases:
        r = client.request(method, path, headers=h, json=body)
        _names_field(_problem(r, 422), pointer)
    # A NUL in a key name is named too (escaped in the pointer).
    r = client.post("/v1/sessions", headers=h, json={"workflow_id": wf, "a\x00": 1})
    _names_field(_problem(r, 422), "/a\\u0000")


def test_nul_in_review_note_and_register_organization(client, tenant):
    t, wf = tenant
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()[
        "session_id"
    ]
    r = client.post(
        f"/v1/sessions/{sid}/review",
        headers=t.headers,
        json={"status": "approved", "note": "ok\x00"},
    )
    _names_field(_problem(r, 422), "/note")
    r = client.post(
        "/v1/register", json={"email": "nul@example.com", "organization": "Evil\x00 Corp"}
    )
    _names_field(_problem(r, 422), "/organization")


def test_control_characters_refused_tab_and_newline_kept(client, tenant):
    t, _ = tenant
    r = client.post("/v1/api-keys", headers=t.headers, json={"name": "a\x1b[31mred"})
    _names_field(_problem(r, 422), "/name")
    r = client.post("/v1/api-keys", headers=t.headers, json={"name": "a\x7f"})
    _problem(r, 422)
    r = client.post("/v1/api-keys", headers=t.headers, json={"name": "two\tparts"})
    assert r.status_code == 201, r.text


def test_deep_json_is_4xx_before_parsing_on_every_json_route(client, tenant):
    t, wf = tenant
    sid = client.post("/v1/sessions", headers=t.headers, json={"workflow_id": wf}).json()[
        "session_id"
    ]
    routes = [
        ("POST", "/v1/register", {}),
        ("POST", "/v1/register/verify", {}),
        ("POST", "/v1/workflows", t.headers),
        ("PUT", f"/v1/workflows/{wf}", t.headers),
        ("POST", "/v1/sessions", t.headers),
        ("POST", "/v1/checks/aml", t.headers),
        ("POST", "/v1/api-keys", t.headers),
        ("PUT", "/v1/webhook", t.headers),
        ("POST", "/v1/blocklist", t.headers),
        ("POST", f"/v1/sessions/{sid}/review", t.headers),
        ("POST", f"/v1/sessions/{sid}/email", t.headers),
    ]
    for method, path, headers in routes:
        for raw in (DEEP, DEEP_OBJECT):
            r = client.request(
                method,
                path,
                headers={**headers, "content-type": "application/json"},
                content=raw,
            )
            body = _problem(r)
            assert r.status_code in (400, 413), (path, r.text)
            if r.status_code == 400:
                assert body["type"].endswith("json-too-deep"), body


def test_query_strings_and_paths(client, tenant):
    t, wf = tenant
    for q in ("%C2%B2", "%D9%A3", "-1", "1e3", "99999999999999999999", "%00"):
        r = client.get(f"/v1/workflows/{wf}?version={q}", headers=t.headers)
        _problem(r)
    assert client.get(f"/v1/workflows/{wf}?version=1", headers=t.headers).status_code == 200
    r = client.get("/v1/sessions?status=%00", headers=t.headers)
    _problem(r, 422)
    for path in ("/v1/sessions/%0A", "/v1/%0d%0a/x", f"/v1/workflows/{wf}%0A", "/%0A"):
        r = client.get(path, headers=t.headers)
        _problem(r, 404)


def test_event_with_non_uuid_session_id_is_400_not_500(pg):
    """The orchestrator used to answer 500 (the broker then retried and dead-lettered)."""
    import httpx

    from events import SESSION_SUBMITTED, build_event, to_binary_http
    from events.types import SessionSubmitted
    from tests.conftest import function_process

    with pytest.raises(ValueError):
        SessionSubmitted(session_id="not-a-uuid", workflow_id=str(uuid.uuid4()), workflow_version=1)
    # Build a valid event, then corrupt the id on the wire (a producer's bug).
    ev = build_event(
        SESSION_SUBMITTED,
        source="test",
        tenant_id=str(uuid.uuid4()),
        data=SessionSubmitted(
            session_id=str(uuid.uuid4()), workflow_id=str(uuid.uuid4()), workflow_version=1
        ),
    )
    headers, body = to_binary_http(ev)
    body = body.replace(ev.data["session_id"].encode(), b"not-a-uuid")
    with function_process(pg, "orchestrator", name="orchestrator-t") as url:
        r = httpx.post(url + "/", headers=headers, content=body, timeout=30)
    assert r.status_code == 400, r.text
