"""A small OpenID Connect provider for the console's single sign-on tests: a real HTTP server
on 127.0.0.1 with discovery, an authorization endpoint that signs in the `login_hint` it
knows (no consent screen), a token endpoint that checks the client, the redirect URI and
the PKCE verifier (S256) and answers an RS256-signed ID token, and the JWKS.

`tamper` makes it misbehave the way a broken or hostile provider would: "aud" (token for
another client), "nonce" (another sign-in's nonce), "signature" (signed with a key not in
the JWKS), "unverified" (email_verified false), "stranger" (the person chose another
account at the provider: an address without a console account)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.http.server_reply import send_json


class OidcProvider:
    def __init__(self, client_id: str = "idmesh-console", client_secret: str = "s3cret") -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.users: set[str] = set()
        self.codes: dict[str, dict] = {}
        self.tamper: str | None = None
        self.token_requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if u.path == "/.well-known/openid-configuration":
                    send_json(self, 200, provider.metadata())
                elif u.path == "/jwks":
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    send_json(self, 200, {"keys": [{**jwk, "kid": provider.kid, "use": "sig"}]})
                elif u.path == "/authorize":
                    status, location = provider.authorize(q)
                    self.send_response(status)
                    if location:
                        self.send_header("location", location)
                    self.send_header("content-length", "0")
                    self.end_headers()
                else:
                    send_json(self, 404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("content-length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
                if urlparse(self.path).path == "/token":
                    status, body = provider.token(form)
                    send_json(self, status, body)
                else:
                    send_json(self, 404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, q: dict) -> tuple[int, str | None]:
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return 400, None
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return 400, None  # this provider insists on PKCE
        redirect = q.get("redirect_uri", "")
        email = q.get("login_hint", "")
        if email not in self.users:
            return 302, redirect + "?" + urlencode({"error": "access_denied", "state": q["state"]})
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce", ""),
            "email": email,
            "redirect_uri": redirect,
        }
        return 302, redirect + "?" + urlencode({"code": code, "state": q.get("state", "")})

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None:
            return 400, {"error": "invalid_grant"}
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if digest.rstrip(b"=").decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": "someone-else" if self.tamper == "aud" else self.client_id,
            "sub": hashlib.sha256(grant["email"].encode()).hexdigest()[:20],
            "email": "stranger@team.example" if self.tamper == "stranger" else grant["email"],
            "email_verified": self.tamper != "unverified",
            "nonce": "another" if self.tamper == "nonce" else grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        key = self.other_key if self.tamper == "signature" else self.key
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        return 200, {"access_token": "at", "token_type": "Bearer", "id_token": token}
