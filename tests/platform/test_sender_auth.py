"""Issue 12, layer 2: every delivery's sender is authenticated, on the real local stack.

Every event function and the broker ingress refuse a delivery without a token, with a token
for another receiver (one function's token replayed to another), with an expired token, and
from a sender their policy does not list — 401/403, not retried, counted."""

from __future__ import annotations

import uuid

import httpx
import pytest

from events import SESSION_SUBMITTED, build_event, to_binary_http
from shared.workload.identity import trigger_subject
from tests.conftest import register_on

EVENT_FUNCTIONS = ["orchestrator", "webhooks", "email", "phone", "dead_letters", "face_match"]


def _event(tenant_id: str = str(uuid.uuid4())):
    return build_event(
        SESSION_SUBMITTED,
        {"session_id": str(uuid.uuid4()), "workflow_id": str(uuid.uuid4()), "workflow_version": 1},
        tenant_id,
        "api",
    )


def _post(url: str, headers: dict[str, str], ev=None) -> httpx.Response:
    h, body = to_binary_http(ev or _event())
    return httpx.post(url, headers={**h, **headers}, content=body, timeout=30)


def _refused(stack, url: str, other_url: str) -> dict[str, int]:
    cases = {
        "none": {},
        "wrong scheme": {"Authorization": "Basic x"},
        "replayed from another receiver": stack.auth_headers("broker-filter", other_url),
        "expired": stack.auth_headers("broker-filter", url, seconds=-60),
        "sender not allowed": stack.auth_headers("system:serviceaccount:idmesh:api", url),
    }
    return {name: _post(url, h).status_code for name, h in cases.items()}


@pytest.mark.parametrize("function", EVENT_FUNCTIONS)
def test_every_function_refuses_unauthenticated_deliveries(stack, function):
    if function not in stack.processes:
        pytest.skip(f"{function} not running in this stack")
    url = stack.processes[function].spec.url
    other = stack.processes["email" if function != "email" else "phone"].spec.url
    got = _refused(stack, url, other)
    assert got == {
        "none": 401,
        "wrong scheme": 401,
        "replayed from another receiver": 401,
        "expired": 401,
        "sender not allowed": 403,
    }
    metrics = httpx.get(url + "/metrics").text
    assert 'outcome="unauthenticated"' in metrics and 'outcome="forbidden"' in metrics
    # The same event with a valid token of an allowed sender gets past authentication (the
    # session it names does not exist: refused by the function itself, 403/400, not 401).
    ok = _post(url, stack.auth_headers("broker-filter", url))
    assert ok.status_code not in (401, 503)


def test_broker_ingress_verifies_the_relay(api, pg, stack):
    reg = register_on(api, pg, "Auth Co")
    with pg.admin() as conn:
        slug = conn.execute(
            "SELECT slug FROM tenants WHERE id = %s", (reg["tenant_id"],)
        ).fetchone()["slug"]
    ingress = f"{stack.broker_url}/tenant-{slug}/default"
    other = f"{stack.broker_url}/tenant-other/default"
    ev = _event(reg["tenant_id"])
    assert _post(ingress, {}, ev).status_code == 401
    assert _post(ingress, stack.auth_headers("relay", ingress, seconds=-60), ev).status_code == 401
    # A token for another tenant's broker is not one for this broker.
    assert _post(ingress, stack.auth_headers("relay", other), ev).status_code == 401
    # Another tenant's Trigger identity, or a function's, may not post here (EventPolicy).
    foreign = trigger_subject("tenant-other", "check-email")
    assert _post(ingress, stack.auth_headers(foreign, ingress), ev).status_code == 403
    api_sa = "system:serviceaccount:idmesh:api"
    assert _post(ingress, stack.auth_headers(api_sa, ingress), ev).status_code == 403
    # The relay's identity is accepted; the tenant's own Triggers too (replies).
    assert _post(ingress, stack.auth_headers("relay", ingress), ev).status_code == 202
    own = trigger_subject(f"tenant-{slug}", "check-email")
    assert (
        _post(ingress, stack.auth_headers(own, ingress), _event(reg["tenant_id"])).status_code
        == 202
    )
    metrics = httpx.get(stack.broker_url + "/metrics").text
    assert 'code="401"' in metrics and 'code="403"' in metrics
