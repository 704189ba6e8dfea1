"""Links to the hosted pages: an opaque token in the path, hashed at rest, bound to one
session. The session token is sealed beside it so the pages can act as the end user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import psycopg

from shared.crypto.envelope import TenantCipher
from shared.db.tenant_tx import Database
from shared.tenancy.secrets import new_secret, secret_hash

LinkKind = Literal["link", "handoff", "device"]
HandoffVia = Literal["qr", "link"]
LINK_PREFIX = "vl_"
HANDOFF_PREFIX = "vh_"
_SEAL = "hosted-link"


class LinkError(Exception):
    """The link cannot be used: unknown, expired or already used (answered as 404/410)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Link:
    id: str
    tenant_id: str
    session_id: str
    kind: str
    expires_at: datetime


def is_link_token(token: str) -> bool:
    return 20 < len(token) < 80 and token.startswith((LINK_PREFIX, HANDOFF_PREFIX))


def create_link(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    session_token: str,
    expires_at: datetime,
    kind: LinkKind = "link",
    via: HandoffVia | None = None,
) -> str:
    """A new link token for the session (only its hash is stored)."""
    link_id = str(uuid.uuid4())
    token, digest, _ = new_secret(HANDOFF_PREFIX if kind == "handoff" else LINK_PREFIX)
    conn.execute(
        "INSERT INTO hosted_links (id, tenant_id, session_id, kind, via, token_hash, "
        "session_token_enc, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            link_id,
            cipher.tenant_id,
            session_id,
            kind,
            via,
            digest,
            cipher.seal(_SEAL, link_id, session_token.encode()),
            expires_at,
        ),
    )
    return token


def resolve(db: Database, token: str) -> Link:
    """Whose link this is; raises LinkError for unknown, expired or used handoff tokens."""
    if not is_link_token(token):
        raise LinkError("unknown")
    with db.no_tenant() as conn:
        row = conn.execute(
            "SELECT * FROM idmesh_auth_hosted_link(%s)", (secret_hash(token),)
        ).fetchone()
    if row is None:
        raise LinkError("unknown")
    if row["expires_at"] <= datetime.now(UTC):
        raise LinkError("expired")
    if row["kind"] == "handoff" and row["used_at"] is not None:
        raise LinkError("used")
    return Link(
        str(row["link_id"]),
        str(row["tenant_id"]),
        str(row["session_id"]),
        row["kind"],
        row["expires_at"],
    )


def session_token(conn: psycopg.Connection, cipher: TenantCipher, link: Link) -> str:
    row = conn.execute(
        "SELECT session_token_enc FROM hosted_links WHERE id = %s", (link.id,)
    ).fetchone()
    if row is None:
        raise LinkError("unknown")
    return cipher.open(_SEAL, link.id, row["session_token_enc"]).decode()


def issue_handoff(
    conn: psycopg.Connection, cipher: TenantCipher, link: Link, via: HandoffVia, ttl_seconds: int
) -> str:
    """A short-lived, single-use token that continues the session on another device."""
    expires = min(link.expires_at, datetime.now(UTC) + timedelta(seconds=ttl_seconds))
    return create_link(
        conn, cipher, link.session_id, session_token(conn, cipher, link), expires, "handoff", via
    )


def exchange_handoff(conn: psycopg.Connection, cipher: TenantCipher, link: Link) -> str:
    """Use a handoff token once: it is burnt and the new device gets its own link. The
    session records how the user moved (qr or link)."""
    row = conn.execute(
        "UPDATE hosted_links SET used_at = now() WHERE id = %s AND kind = 'handoff' "
        "AND used_at IS NULL RETURNING via",
        (link.id,),
    ).fetchone()
    if row is None:
        raise LinkError("used")
    conn.execute(
        "UPDATE sessions SET handoff_method = %s, updated_at = now() WHERE id = %s",
        (row["via"], link.session_id),
    )
    expires = conn.execute(
        "SELECT expires_at FROM sessions WHERE id = %s", (link.session_id,)
    ).fetchone()["expires_at"]
    return create_link(
        conn, cipher, link.session_id, session_token(conn, cipher, link), expires, "device"
    )


def mark_same_device(conn: psycopg.Connection, session_id: str) -> None:
    conn.execute(
        "UPDATE sessions SET handoff_method = 'same_device', updated_at = now() "
        "WHERE id = %s AND handoff_method IS NULL",
        (session_id,),
    )


def open_verification(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    session_token: str,
    expires_at: datetime,
    base_url: str,
    redirect_url: str | None,
    language: str | None,
) -> str:
    """At session creation: the session's hosted options and its `verification_url`."""
    conn.execute(
        "UPDATE sessions SET redirect_url = %s, language = %s WHERE id = %s",
        (redirect_url, language, session_id),
    )
    token = create_link(conn, cipher, session_id, session_token, expires_at)
    return f"{base_url.rstrip('/')}/v/{token}"
