"""Fair limits (issue 13): budgets per principal, shared by replicas through Postgres, and
the client address read through a configured number of trusted proxies.

Reproduces the attack run: submits with one end user's session token made the tenant's own
API key answer 429; behind a proxy every sign-up counted against the proxy's address.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.http.client_addr import client_addr
from tests.conftest import SIMPLE_WORKFLOW, PgStack, function_process, latest_code

KEY_LIMIT, SESSION_LIMIT, SIGNUPS_PER_ADDR = 40, 15, 3


@pytest.fixture(scope="module")
def replicas(pg: PgStack) -> Iterator[list[httpx.Client]]:
    """Two API processes (replicas) on one database, one trusted proxy in front."""
    limits = {
        "rate_limit_per_minute": str(KEY_LIMIT),
        "session_rate_limit_per_minute": str(SESSION_LIMIT),
        "client_rate_limit_per_minute": "1000",
        "trusted_proxy_count": "1",
        "registration_per_client_per_hour": str(SIGNUPS_PER_ADDR),
        "registration_per_email_per_hour": "5",
    }
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                httpx.Client(
                    base_url=stack.enter_context(
                        function_process(pg, name=f"api-fair-{i}", **limits)
                    ),
                    timeout=30,
                )
            )
            for i in range(2)
        ]


def _addr() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def _tenant(api: httpx.Client, pg: PgStack) -> dict[str, str]:
    email = f"fair-{uuid.uuid4().hex[:10]}@example.org"
    xff = {"X-Forwarded-For": _addr()}
    r = api.post("/v1/register", headers=xff, json={"email": email, "organization": "Fair"})
    assert r.status_code == 202, r.text
    r = api.post(
        "/v1/register/verify",
        headers=xff,
        json={"email": email, "code": latest_code(pg, email)},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['api_key']}"}


def test_session_token_cannot_exhaust_the_tenant_across_replicas(replicas, pg):
    a, b = replicas
    key = _tenant(a, pg)
    wf = a.post("/v1/workflows", headers=key, json=SIMPLE_WORKFLOW).json()["id"]
    s = a.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    token = {"Authorization": f"Bearer {s['session_token']}"}
    refused_at = None
    for i in range(3 * SESSION_LIMIT):
        api = (a, b)[i % 2]  # alternate replicas: the budget is shared through Postgres
        r = api.post(f"/v1/sessions/{s['session_id']}/submit", headers=token)
        assert r.status_code < 500, r.text
        if r.status_code == 429:
            refused_at = i + 1
            assert r.headers["RateLimit-Limit"] == str(SESSION_LIMIT)
            assert "session token" in r.json()["detail"]
            break
    # At most two windows' worth (the minute may roll over once during the loop).
    assert refused_at is not None and refused_at <= 2 * SESSION_LIMIT + 1
    # The tenant's own key is untouched by the end user's spending, on both replicas.
    for api in replicas:
        r = api.get("/v1/sessions", headers=key)
        assert r.status_code == 200, r.text
        assert int(r.headers["RateLimit-Remaining"]) > KEY_LIMIT - 10


def test_each_api_key_has_its_own_budget(replicas, pg):
    a, _ = replicas
    key = _tenant(a, pg)
    other = a.post("/v1/api-keys", headers=key, json={"name": "second"}).json()["api_key"]
    other_h = {"Authorization": f"Bearer {other}"}
    statuses = [a.get("/v1/workflows", headers=key).status_code for _ in range(KEY_LIMIT * 2)]
    assert 429 in statuses
    assert a.get("/v1/workflows", headers=other_h).status_code == 200


def test_signup_limit_counts_the_client_behind_a_trusted_proxy(replicas):
    a, b = replicas
    client = _addr()

    def signup(api: httpx.Client, xff: str) -> int:
        email = f"su-{uuid.uuid4().hex[:10]}@example.org"
        return api.post(
            "/v1/register",
            headers={"X-Forwarded-For": xff},
            json={"email": email, "organization": "Org"},
        ).status_code

    assert [signup((a, b)[i % 2], client) for i in range(SIGNUPS_PER_ADDR)] == [202] * 3
    assert signup(a, client) == 429
    # A client cannot escape by writing its own X-Forwarded-For entry in front.
    assert signup(b, f"{_addr()}, {client}") == 429
    # Another end user behind the same proxy is not blocked.
    assert signup(a, _addr()) == 202


def _request(remote: str, xff: list[str]) -> Request:
    headers = [("X-Forwarded-For", v) for v in xff]
    return Request(
        EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": remote}).get_environ()
    )


def test_client_addr_through_trusted_proxies():
    assert client_addr(_request("10.0.0.1", ["1.2.3.4"]), 0) == "10.0.0.1"
    assert client_addr(_request("10.0.0.1", ["6.6.6.6, 1.2.3.4"]), 1) == "1.2.3.4"
    assert client_addr(_request("10.0.0.1", ["6.6.6.6, 1.2.3.4, 10.0.0.9"]), 2) == "1.2.3.4"
    assert client_addr(_request("10.0.0.1", ["6.6.6.6", "1.2.3.4"]), 1) == "1.2.3.4"
    assert client_addr(_request("10.0.0.1", []), 1) == "10.0.0.1"
    assert client_addr(_request("10.0.0.1", ["not-an-ip"]), 1) == "10.0.0.1"
    assert client_addr(_request("10.0.0.1", ["1.2.3.4"]), 3) == "1.2.3.4"
