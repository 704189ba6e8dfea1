"""The local broker with Knative's `authentication-oidc`: the ingress verifies the sender
against the broker's audience and its rendered EventPolicy, and deliveries carry a token for
the subscriber's audience with the Trigger's identity (what the functions verify)."""

from __future__ import annotations

import uuid

import httpx
import jwt

from events import CHECK_REQUESTED, build_event, to_binary_http
from shared.broker.broker import BrokerAuth
from shared.manifests.render import render_tenant, write
from shared.workload.identity import broker_audience, trigger_subject
from shared.workload.issuer import LocalIssuer, Workload
from shared.workload.tokens import HttpTokens
from shared.workload.verifier import JwksCache
from tests.broker.helpers import TENANT_A, write_services


def test_ingress_and_delivery_are_authenticated(tmp_path, subscribers, start_broker):
    issuer = LocalIssuer(tmp_path / "oidc").serve()
    try:
        email_fn = subscribers()
        write(render_tenant("acme", TENANT_A), tmp_path / "manifests", "tenant-acme.yaml")
        write_services(tmp_path / "services.json", {"email": email_fn.url})
        cred = issuer.credential(
            Workload(
                "knative-eventing",
                "mt-broker-filter",
                may_issue_for=("system:serviceaccount:tenant-*",),
            )
        )
        auth = BrokerAuth(JwksCache(issuer.issuer_url), HttpTokens(issuer.issuer_url, cred))
        broker = start_broker(auth=auth)
        ingress = broker.ingress_url("tenant-acme")
        ev = build_event(
            CHECK_REQUESTED,
            {"session_id": str(uuid.uuid4()), "check": "email", "step": 0},
            TENANT_A,
            "orchestrator",
            checktype="email",
        )
        headers, body = to_binary_http(ev)
        aud = broker_audience("tenant-acme")

        def post(extra: dict[str, str]) -> int:
            return httpx.post(ingress, headers={**headers, **extra}, content=body).status_code

        def bearer(namespace: str, name: str, audience: str = aud, seconds: int = 600) -> dict:
            tok = issuer.mint(Workload(namespace, name), audience, seconds=seconds)
            return {"Authorization": f"Bearer {tok}"}

        assert post({}) == 401
        assert post(bearer("idmesh", "relay", seconds=-60)) == 401
        assert post(bearer("idmesh", "relay", broker_audience("tenant-other"))) == 401
        assert post(bearer("idmesh", "api")) == 403  # not in the broker's EventPolicy
        assert post(bearer("tenant-other", "x")) == 403
        assert email_fn.received == []
        assert post(bearer("idmesh", "relay")) == 202
        (got,) = email_fn.wait_for(1)
        token = got.headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["aud"] == ["serving.knative.dev/service/idmesh/email"]
        # The broker's own token for the subscriber, never the relay's passed through.
        assert claims["sub"] == trigger_subject("tenant-acme", "check-email")
        metrics = httpx.get(broker.url + "/metrics").text
        assert 'code="401"' in metrics and 'code="403"' in metrics
    finally:
        issuer.stop()
