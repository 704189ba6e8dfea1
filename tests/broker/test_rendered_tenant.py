"""The local broker driven by the manifests `idmesh manifests --tenant` renders."""

from __future__ import annotations

import uuid

import httpx

from events import (
    CHECK_COMPLETED,
    CHECK_REQUESTED,
    build_event,
    parse_http,
    to_binary_http,
    to_structured_http,
)
from shared.manifests.render import render_tenant, write
from tests.broker.helpers import TENANT_A, TENANT_B, wait_until, write_services

S1, S2, W = (str(uuid.uuid4()) for _ in range(3))


def _check_requested(check: str, step: int):
    """The orchestrator's request for step `step` (`check`) of session S1 of tenant A."""
    return build_event(
        CHECK_REQUESTED, {"session_id": S1, "check": check, "step": step}, TENANT_A, "orchestrator"
    )


def test_check_request_reply_and_dead_letter_through_rendered_manifests(
    tmp_path, subscribers, start_broker
):
    def email(n, req):
        parsed = parse_http(req.headers, req.body)  # the function's own parsing
        reply = build_event(
            CHECK_COMPLETED,
            {
                "session_id": parsed.session_id,
                "check": "email",
                "step": parsed.data.step,
                "check_id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"chk-{n}")),
                "status": "passed",
                "score": 1.0,
                "warning_codes": [],
            },
            parsed.tenant_id,
            "email",
        )
        headers, body = to_binary_http(reply)
        return 200, headers, body

    email_fn = subscribers(email)
    orchestrator = subscribers()
    phone_fn = subscribers(lambda n, r: (500, {}, b"phone provider down"))
    dead_letters = subscribers()
    write(render_tenant("acme", TENANT_A), tmp_path / "manifests", "tenant-acme.yaml")
    write(render_tenant("other", TENANT_B), tmp_path / "manifests", "tenant-other.yaml")
    write_services(
        tmp_path / "services.json",
        {
            "email": email_fn.url,
            "phone": phone_fn.url,
            "orchestrator": orchestrator.url,
            "dead-letters": dead_letters.url,
        },
    )
    broker = start_broker()
    ingress = broker.ingress_url("tenant-acme")

    ev = _check_requested("email", 0)
    headers, body = to_structured_http(ev)
    assert httpx.post(ingress, headers=headers, content=body).status_code == 202
    (completed,) = orchestrator.wait_for(1)
    parsed = parse_http(completed.headers, completed.body)
    assert parsed.type == CHECK_COMPLETED and parsed.checktype == "email"
    assert parsed.tenant_id == TENANT_A
    assert parsed.data.check_id == str(uuid.uuid5(uuid.NAMESPACE_OID, "chk-0"))

    # The same event on the other tenant's broker is refused (tenant guard).
    assert (
        httpx.post(broker.ingress_url("tenant-other"), headers=headers, content=body).status_code
        == 400
    )

    # A failing check ends in the dead-letter function after the rendered retries; make the
    # wait short by changing the rendered delivery (exponential PT0.5S x 5 = 31 s otherwise).
    text = (tmp_path / "manifests" / "tenant-acme.yaml").read_text()
    (tmp_path / "manifests" / "tenant-acme.yaml").write_text(
        text.replace("backoffDelay: PT0.5S", "backoffDelay: PT0.01S")
    )
    wait_until(lambda: broker.topology.refresh() or True)
    ev = _check_requested("phone", 1)
    headers, body = to_binary_http(ev)
    assert httpx.post(ingress, headers=headers, content=body).status_code == 202
    (dead,) = dead_letters.wait_for(1, timeout=15)
    assert len(phone_fn.received) == 6  # 1 + retry 5
    assert dead.headers["ce-id"] == ev["id"]
    assert dead.headers["ce-knativeerrorcode"] == "500"
    assert dead.headers["ce-knativeerrordest"] == phone_fn.url


def test_publish_client(tmp_path, subscribers, start_broker):
    from shared.broker.client import broker_ingress_url, publish

    orchestrator = subscribers()
    write(render_tenant("acme", TENANT_A), tmp_path / "manifests", "tenant-acme.yaml")
    write_services(tmp_path / "services.json", {"orchestrator": orchestrator.url})
    broker = start_broker()
    ev = build_event(
        "io.idmesh.session.submitted.v1",
        {"session_id": S2, "workflow_id": W, "workflow_version": 1},
        TENANT_A,
        "api",
    )
    assert publish(broker_ingress_url(broker.url, "acme"), ev) == 202
    (got,) = orchestrator.wait_for(1)
    assert got.headers["ce-id"] == ev["id"]
    assert publish(broker_ingress_url(broker.url, "nobody"), ev) == 404
    assert publish("http://127.0.0.1:9/tenant-acme/default", ev) == 0
