"""The local broker answers 4xx to hostile bodies instead of dropping the connection
(issue 13: a 100 000-deep structured-mode body used to kill the handler)."""

from __future__ import annotations

import uuid

import httpx

from tests.broker.test_ingress import _setup

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deep_structured_body_is_400(tmp_path, subscribers, start_broker):
    sub, broker = _setup(tmp_path, subscribers, start_broker)
    url = broker.ingress_url("tenant-a")
    for body in (DEEP, b'{"specversion": "1.0", "data": ' + DEEP + b"}"):
        r = httpx.post(url, headers={"content-type": "application/cloudevents+json"}, content=body)
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    # Binary mode with deep data: the CloudEvent is valid, its data is refused.
    r = httpx.post(
        url,
        headers={
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": str(uuid.uuid4()),
            "ce-source": "/idmesh/test",
            "ce-type": "io.idmesh.session.submitted.v1",
            "ce-tenantid": str(uuid.uuid4()),
        },
        content=DEEP,
    )
    assert 400 <= r.status_code < 500, r.text
    # The broker still serves.
    assert httpx.get(url.rsplit("/", 2)[0] + "/healthz").status_code == 200
