"""The local OIDC issuer `idmesh up` runs, so the same verification code runs locally and on
a cluster (where the issuer is the cluster's service-account issuer).

- its own RSA signing key under the data dir (`oidc/issuer-key.pem`, 0600, made once);
- `GET /.well-known/openid-configuration` and `GET /openid/v1/jwks` (the paths of the
  Kubernetes API server's service-account issuer discovery);
- `POST /token {"audience": ..., "subject": optional}`: a short-lived token for the calling
  workload (it authenticates with the bootstrap credential the stack gave only that process,
  as the kubelet does for a projected token). A workload may obtain tokens for other subjects
  only where it was allowed to (the local broker for its Triggers' identities, as Knative's
  broker filter requests tokens for each Trigger's service account).

Claims have the shape of a projected service-account token: iss, sub, aud (a list), exp,
iat, nbf, jti and `kubernetes.io: {namespace, serviceaccount: {name, uid}}`.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.http.server_reply import send_json
from shared.workload.identity import SA_PREFIX, allows, subject

TOKEN_SECONDS = 600  # the shortest lifetime Kubernetes' TokenRequest grants
JWKS_PATH = "/openid/v1/jwks"
DISCOVERY_PATH = "/.well-known/openid-configuration"


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


@dataclass
class Workload:
    namespace: str
    name: str
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    may_issue_for: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return subject(self.namespace, self.name)


class LocalIssuer:
    def __init__(self, data_dir: str | os.PathLike[str], issuer_url: str = "") -> None:
        self.key = _load_or_create_key(Path(data_dir) / "oidc" / "issuer-key.pem")
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.kid = _thumbprint(public)
        self.public_jwk = {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}
        self.issuer_url = issuer_url
        self._credentials: dict[str, Workload] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- tokens ---------------------------------------------------------------------------
    def mint(
        self, workload: Workload, audience: str, seconds: int = TOKEN_SECONDS, sub: str = ""
    ) -> str:
        now = int(time.time())
        sub = sub or workload.subject
        namespace, name = sub[len(SA_PREFIX) :].split(":", 1)
        claims: dict[str, Any] = {
            "iss": self.issuer_url,
            "sub": sub,
            "aud": [audience],
            "iat": now,
            "nbf": now,
            "exp": now + seconds,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": {
                "namespace": namespace,
                "serviceaccount": {"name": name, "uid": workload.uid},
            },
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def credential(self, workload: Workload) -> str:
        """A bootstrap credential for one workload (give it to that process only)."""
        secret = secrets.token_urlsafe(32)
        with self._lock:
            self._credentials[_digest(secret)] = workload
        return secret

    def token_for(self, credential: str, audience: str, sub: str = "") -> str:
        with self._lock:
            workload = self._credentials.get(_digest(credential))
        if workload is None:
            raise PermissionError("unknown workload credential")
        if sub and sub != workload.subject and not allows(workload.may_issue_for, sub):
            raise PermissionError(f"{workload.subject} may not obtain tokens for {sub}")
        if not audience:
            raise ValueError("an audience is required")
        return self.mint(workload, audience, sub=sub)

    # -- discovery ------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_url,
            "jwks_uri": self.issuer_url + JWKS_PATH,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    # -- HTTP -----------------------------------------------------------------------------
    def serve(self, port: int = 0, host: str = "127.0.0.1") -> LocalIssuer:
        server = ThreadingHTTPServer((host, port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.issuer_url = f"http://{host}:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, name="oidc-issuer", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _handler_for(issuer: LocalIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == DISCOVERY_PATH:
                send_json(self, 200, issuer.discovery())
            elif self.path == JWKS_PATH:
                send_json(self, 200, issuer.jwks())
            else:
                send_json(self, 404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/token":
                send_json(self, 404, {"error": "not found"})
                return
            length = min(int(self.headers.get("Content-Length") or 0), 4096)
            auth = self.headers.get("Authorization", "")
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                token = issuer.token_for(
                    auth.removeprefix("Bearer ").strip(),
                    str(body.get("audience", "")),
                    str(body.get("subject", "")),
                )
            except PermissionError as exc:
                send_json(self, 403, {"error": str(exc)})
                return
            except (ValueError, TypeError, AttributeError) as exc:
                send_json(self, 400, {"error": str(exc)})
                return
            send_json(self, 200, {"token": token, "expires_in": TOKEN_SECONDS})

    return Handler


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (RSA: e, kty, n), base64url."""
    import base64

    canon = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canon.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
