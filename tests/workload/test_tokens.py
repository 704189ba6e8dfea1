"""Workload identity without the stack: the local issuer over real HTTP, the verifier every
receiver runs, the senders' token sources. Each refusal is shown to happen."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest

from shared.http.server_reply import send_json
from shared.workload.identity import (
    allows,
    broker_audience,
    oidc_service_account,
    service_audience,
    trigger_subject,
)
from shared.workload.issuer import LocalIssuer, Workload
from shared.workload.tokens import HttpTokens, KubernetesTokens
from shared.workload.verifier import LEEWAY_SECONDS, AuthFailure, JwksCache, TokenVerifier

FN = service_audience("idmesh", "phone")
TRIGGER = trigger_subject("tenant-acme", "check-phone")


@pytest.fixture()
def issuer(tmp_path) -> Iterator[LocalIssuer]:
    iss = LocalIssuer(tmp_path).serve()
    yield iss
    iss.stop()


def _verifier(issuer: LocalIssuer, audience: str = FN, allowed=("system:serviceaccount:tenant-*",)):
    return TokenVerifier(JwksCache(issuer.issuer_url), audience, list(allowed))


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_names_follow_knative():
    assert broker_audience("tenant-acme") == "eventing.knative.dev/broker/tenant-acme/default"
    assert FN == "serving.knative.dev/service/idmesh/phone"
    assert TRIGGER == (
        "system:serviceaccount:tenant-acme:check-phone-oidc-eventing.knative.dev-trigger"
    )
    long = oidc_service_account("orchestrator-session-submitted", "eventing.knative.dev", "Trigger")
    assert len(long) <= 63 and long.endswith("-oidc-eventing.knative.dev-trigger")
    assert allows(["system:serviceaccount:tenant-*"], TRIGGER)
    assert not allows(["system:serviceaccount:tenant-*"], "system:serviceaccount:idmesh:relay")
    assert allows(["system:serviceaccount:idmesh:relay"], "system:serviceaccount:idmesh:relay")


def test_valid_token_and_its_claims(issuer):
    token = issuer.mint(Workload("tenant-acme", "x"), FN, sub=TRIGGER)
    sender = _verifier(issuer).verify(_bearer(token))
    assert sender.subject == TRIGGER
    claims = sender.claims
    assert claims["aud"] == [FN] and claims["iss"] == issuer.issuer_url
    assert claims["kubernetes.io"]["namespace"] == "tenant-acme"
    assert claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(token)["kid"] == issuer.kid
    # The discovery document and the JWKS are served where the API server serves them.
    meta = httpx.get(issuer.issuer_url + "/.well-known/openid-configuration").json()
    assert meta["jwks_uri"] == issuer.issuer_url + "/openid/v1/jwks"
    assert httpx.get(meta["jwks_uri"]).json()["keys"][0]["kid"] == issuer.kid


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not-bearer",
        "garbage",
        "wrong-audience",
        "expired",
        "other-key",
        "tampered",
        "none-alg",
    ],
)
def test_refused_with_401(issuer, tmp_path, case):
    w = Workload("tenant-acme", "x")
    good = issuer.mint(w, FN, sub=TRIGGER)
    header = {
        "missing": None,
        "not-bearer": f"Basic {good}",
        "garbage": "Bearer not.a.jwt",
        "wrong-audience": _bearer(issuer.mint(w, service_audience("idmesh", "email"), sub=TRIGGER)),
        "expired": _bearer(issuer.mint(w, FN, seconds=-60, sub=TRIGGER)),
        "other-key": _bearer(
            LocalIssuer(tmp_path / "other", issuer.issuer_url).mint(w, FN, sub=TRIGGER)
        ),
        "tampered": _bearer(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")),
        "none-alg": _bearer(
            jwt.encode(
                jwt.decode(good, options={"verify_signature": False}), None, algorithm="none"
            )
        ),
    }[case]
    with pytest.raises(AuthFailure) as exc:
        _verifier(issuer).verify(header)
    assert exc.value.status == 401


def test_a_verified_token_is_remembered_until_it_expires(issuer, monkeypatch):
    verifier = _verifier(issuer)
    # Expired 3 s ago (iat is whole seconds): still inside the 5 s leeway for 1-2 s.
    token = issuer.mint(Workload("tenant-acme", "x"), FN, seconds=-3, sub=TRIGGER)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert verifier.verify(_bearer(token)).subject == TRIGGER
    calls = []
    real = verifier._verify_token
    monkeypatch.setattr(verifier, "_verify_token", lambda t: calls.append(t) or real(t))
    assert verifier.verify(_bearer(token)).subject == TRIGGER
    assert calls == []  # served from the verified tokens
    # Another receiver does not share them: its audience check still refuses the token.
    with pytest.raises(AuthFailure):
        _verifier(issuer, service_audience("idmesh", "email")).verify(_bearer(token))
    # Past its expiry (and the leeway) the remembered token is verified again, and refused.
    time.sleep(max(0.0, exp + LEEWAY_SECONDS + 0.2 - time.time()))
    with pytest.raises(AuthFailure) as exc:
        verifier.verify(_bearer(token))
    assert exc.value.status == 401 and calls == [token]


def test_sender_not_allowed_is_403(issuer):
    relay = issuer.mint(Workload("idmesh", "relay"), FN)
    with pytest.raises(AuthFailure) as exc:
        _verifier(issuer).verify(_bearer(relay))
    assert exc.value.status == 403


def test_issuer_down_is_503_so_the_sender_retries(issuer):
    token = issuer.mint(Workload("tenant-acme", "x"), FN, sub=TRIGGER)
    verifier = TokenVerifier(
        JwksCache("http://127.0.0.1:9"), FN, ["system:serviceaccount:tenant-*"]
    )
    with pytest.raises(AuthFailure) as exc:
        verifier.verify(_bearer(token))
    assert exc.value.status == 503


def test_token_endpoint_needs_the_workload_credential(issuer):
    cred = issuer.credential(
        Workload(
            "knative-eventing",
            "mt-broker-filter",
            may_issue_for=("system:serviceaccount:tenant-*",),
        )
    )
    tokens = HttpTokens(issuer.issuer_url, cred)
    tok = tokens.token(FN, TRIGGER)
    assert tokens.token(FN, TRIGGER) == tok  # cached until shortly before expiry
    assert _verifier(issuer).verify(_bearer(tok)).subject == TRIGGER
    # Not for a subject it was not allowed, and not without the credential.
    with pytest.raises(httpx.HTTPStatusError) as exc:
        tokens.token(FN, "system:serviceaccount:idmesh:relay")
    assert exc.value.response.status_code == 403
    r = httpx.post(issuer.issuer_url + "/token", json={"audience": FN})
    assert r.status_code == 403


class _TokenRequestApi(BaseHTTPRequestHandler):
    """A loopback stand-in for the Kubernetes API server's TokenRequest endpoint that checks
    requests the way the real one does (path, bearer, TokenRequest body); the real API
    server cannot run here."""

    issuer: LocalIssuer
    own_token = "pod-api-token"
    seen: list[dict] = []

    def log_message(self, *args):
        return

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        ok_path = self.path == "/api/v1/namespaces/idmesh/serviceaccounts/relay/token"
        ok_auth = self.headers.get("Authorization") == f"Bearer {self.own_token}"
        ok_body = body.get("kind") == "TokenRequest" and body["spec"]["audiences"]
        if not (ok_path and ok_auth and ok_body):
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        seconds = body["spec"].get("expirationSeconds", 3600)
        token = self.issuer.mint(Workload("idmesh", "relay"), body["spec"]["audiences"][0], seconds)
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
        send_json(self, 201, {"status": {"token": token, "expirationTimestamp": exp}})


def test_kubernetes_token_request(issuer, tmp_path):
    _TokenRequestApi.issuer = issuer
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenRequestApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        own = tmp_path / "token"
        own.write_text(_TokenRequestApi.own_token)
        api = f"http://127.0.0.1:{server.server_address[1]}"
        source = KubernetesTokens(api, "idmesh", "relay", str(own))
        aud = broker_audience("tenant-acme")
        tok = source.token(aud)
        verifier = _verifier(issuer, aud, ["system:serviceaccount:idmesh:relay"])
        assert verifier.verify(_bearer(tok)).subject == "system:serviceaccount:idmesh:relay"
        assert _TokenRequestApi.seen[-1]["spec"] == {"audiences": [aud], "expirationSeconds": 600}
        with pytest.raises(PermissionError):
            source.token(aud, TRIGGER)
        own.write_text("stolen")
        with pytest.raises(httpx.HTTPStatusError):
            source.token(broker_audience("tenant-other"))
    finally:
        server.shutdown()
        server.server_close()
