"""OIDC single sign-on for the console, configured per tenant: authorization code flow with
PKCE (S256), a `state` and a `nonce`, the ID token's signature verified against the
provider's JWKS (PyJWT), its issuer, audience, expiry and nonce checked. The person is the
tenant's active console user whose address is the token's verified `email`; the provider
is trusted for the second factor, so the console session is complete at once.

Before the provider answers, the console knows no tenant: the flow's secrets (tenant,
state, nonce, PKCE verifier, expiry) travel in a cookie authenticated with a key derived
from the master key, so nothing is stored before the person is known."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import jwt
import psycopg
from jwt import PyJWKSet

from shared.audit import audit
from shared.console.accounts import (
    _open_session,
    find_address,
    is_locked,
    refusal,
    sign_in_address,
)
from shared.console.errors import SignInFailed
from shared.console.roles import require
from shared.crypto.envelope import TenantCipher
from shared.db.tenant_tx import Database
from shared.errors import InvalidInput
from shared.tenancy.secrets import secret_hash

FLOW_SECONDS = 600
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
HTTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    enabled: bool = True


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def flow_key(master_key: bytes) -> bytes:
    return hmac.new(master_key, b"idmesh console oidc flow v1", hashlib.sha256).digest()


def seal_flow(key: bytes, flow: dict) -> str:
    body = _b64(json.dumps(flow, separators=(",", ":")).encode())
    mac = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def open_flow(key: bytes, cookie: str | None) -> dict | None:
    """The flow of a cookie this console set, unexpired; else None."""
    if not cookie or "." not in cookie or len(cookie) > 4000:
        return None
    body, mac = cookie.rsplit(".", 1)
    good = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(good, mac):
        return None
    try:
        flow = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(flow, dict) or flow.get("exp", 0) < time.time():
        return None
    return flow


# -- configuration ------------------------------------------------------------------------------
def get_config(conn: psycopg.Connection, cipher: TenantCipher | None = None) -> OidcConfig | None:
    row = conn.execute(
        "SELECT tenant_id, issuer, client_id, client_secret_enc, enabled FROM console_oidc"
    ).fetchone()
    if row is None:
        return None
    secret = None
    if cipher is not None and row["client_secret_enc"] is not None:
        secret = cipher.open(
            "console-oidc", str(row["tenant_id"]), row["client_secret_enc"]
        ).decode()
    return OidcConfig(row["issuer"], row["client_id"], secret, row["enabled"])


def set_config(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    role: str,
    actor: str,
    actor_name: str | None,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    enabled: bool,
) -> None:
    """An owner or admin sets the tenant's provider (an empty secret keeps the old one)."""
    require(role, "settings:manage")
    issuer = issuer.strip().rstrip("/")
    client_id = client_id.strip()
    if not issuer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise InvalidInput(
            "the issuer is an https URL",
            errors=[{"pointer": "/issuer", "detail": "an https URL"}],
        )
    if not client_id or len(issuer) > 500 or len(client_id) > 500:
        raise InvalidInput(
            "the client id is required (at most 500 characters)",
            errors=[{"pointer": "/client_id", "detail": "required"}],
        )
    sealed = (
        cipher.seal("console-oidc", cipher.tenant_id, client_secret.encode())
        if client_secret
        else None
    )
    conn.execute(
        "INSERT INTO console_oidc (tenant_id, issuer, client_id, client_secret_enc, enabled) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tenant_id) DO UPDATE SET "
        "issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, "
        "client_secret_enc = coalesce(EXCLUDED.client_secret_enc, console_oidc.client_secret_enc), "
        "enabled = EXCLUDED.enabled, updated_at = now()",
        (cipher.tenant_id, issuer, client_id, sealed, enabled),
    )
    audit(
        conn,
        cipher.tenant_id,
        actor,
        "console.sso_configured",
        details={"issuer": issuer, "enabled": enabled},
        actor_name=actor_name,
    )


# -- the provider --------------------------------------------------------------------------------
def discover(issuer: str) -> dict:
    """The provider's metadata (OpenID Connect Discovery 1.0); its issuer must be ours."""
    try:
        r = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
        r.raise_for_status()
        meta = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInFailed("the sign-in provider cannot be reached") from exc
    if meta.get("issuer", "").rstrip("/") != issuer:
        raise SignInFailed("the sign-in provider's metadata names another issuer")
    for k in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(k), str):
            raise SignInFailed("the sign-in provider's metadata is incomplete")
    return meta


def start(db: Database, key: bytes, email: str, redirect_uri: str) -> tuple[str, str]:
    """Step one: the address finds the tenant and its provider. (authorization URL, the
    flow cookie)."""
    address = sign_in_address(email)
    found = find_address(db, address)
    if found is None:
        raise SignInFailed("single sign-on is not available for this address")
    tenant_id, _ = found
    with db.tenant(tenant_id) as conn:
        cfg = get_config(conn)
    if cfg is None or not cfg.enabled:
        raise SignInFailed("single sign-on is not available for this address")
    meta = discover(cfg.issuer)
    verifier = _b64(secrets.token_bytes(32))
    state, nonce = _b64(secrets.token_bytes(16)), _b64(secrets.token_bytes(16))
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    url = (
        meta["authorization_endpoint"]
        + ("&" if "?" in meta["authorization_endpoint"] else "?")
        + urlencode(
            {
                "response_type": "code",
                "client_id": cfg.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "login_hint": address,
            }
        )
    )
    flow = {
        "t": tenant_id,
        "s": state,
        "n": nonce,
        "v": verifier,
        "exp": int(time.time()) + FLOW_SECONDS,
    }
    return url, seal_flow(key, flow)


def finish(
    db: Database,
    key: bytes,
    cipher_for,
    cookie: str | None,
    state: str,
    code: str,
    redirect_uri: str,
) -> str:
    """Step two (the provider's redirect): the code for tokens, the ID token verified, the
    person found; a complete console session's token. `cipher_for(conn, tenant_id)`."""
    flow = open_flow(key, cookie)
    if flow is None or not hmac.compare_digest(str(flow.get("s", "")), state or ""):
        raise SignInFailed("the sign-in expired or did not start here: start again")
    if not code or len(code) > 2000:
        raise SignInFailed("the provider sent no code")
    tenant_id = flow["t"]
    with db.tenant(tenant_id) as conn:
        cfg = get_config(conn, cipher_for(conn, tenant_id))
    if cfg is None or not cfg.enabled:
        raise SignInFailed("single sign-on is not configured")
    meta = discover(cfg.issuer)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": cfg.client_id,
        "code_verifier": flow["v"],
    }
    if cfg.client_secret:
        form["client_secret"] = cfg.client_secret
    try:
        r = httpx.post(meta["token_endpoint"], data=form, timeout=HTTP_TIMEOUT)
        r.raise_for_status()
        id_token = r.json()["id_token"]
        jwks = httpx.get(meta["jwks_uri"], timeout=HTTP_TIMEOUT)
        jwks.raise_for_status()
        keyset = PyJWKSet.from_dict(jwks.json())
    except (httpx.HTTPError, ValueError, KeyError, jwt.PyJWTError) as exc:
        raise SignInFailed("the sign-in provider refused the code") from exc
    claims = verify_id_token(id_token, keyset, cfg.issuer, cfg.client_id, flow["n"])
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise SignInFailed("the provider did not vouch for an e-mail address")
    return _session_for(db, tenant_id, email, cfg.issuer, str(claims.get("sub", "")))


def verify_id_token(token: str, keyset: PyJWKSet, issuer: str, client_id: str, nonce: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        candidates = [k for k in keyset.keys if kid is None or k.key_id == kid]
        if not candidates or header.get("alg") not in ALGORITHMS:
            raise SignInFailed("the ID token is signed with an unknown key")
        claims = jwt.decode(
            token,
            candidates[0].key,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=60,
        )
    except jwt.PyJWTError as exc:
        raise SignInFailed(f"the ID token is not valid ({type(exc).__name__})") from exc
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInFailed("the ID token was not issued for this sign-in (nonce)")
    return claims


def _session_for(db: Database, tenant_id: str, email: str, issuer: str, sub: str) -> str:
    error: Exception | None = None
    token = None
    with db.tenant(tenant_id) as conn:
        row = conn.execute(
            "SELECT id, email, name, status, locked_until FROM console_users "
            "WHERE email = %s FOR UPDATE",
            (email,),
        ).fetchone()
        if row is None or row["status"] != "active":
            error = SignInFailed("no active console account for the provider's address")
        elif is_locked(row):
            error = refusal(locked=True)
        else:
            uid = str(row["id"])
            token = _open_session(conn, tenant_id, uid)
            conn.execute(
                "UPDATE console_sessions SET mfa_done = true WHERE token_hash = %s",
                (secret_hash(token),),
            )
            conn.execute(
                "UPDATE console_users SET last_sign_in_at = now(), failed_attempts = 0 "
                "WHERE id = %s",
                (uid,),
            )
            audit(
                conn,
                tenant_id,
                f"user:{uid}",
                "console.signed_in",
                details={"factors": ["oidc"], "issuer": issuer, "sub_hash": _sub_hash(sub)},
                actor_name=row["name"] or row["email"],
            )
    if error is not None:
        raise error
    assert token is not None
    return token


def _sub_hash(sub: str) -> str:
    return hashlib.sha256(sub.encode()).hexdigest()[:16]
