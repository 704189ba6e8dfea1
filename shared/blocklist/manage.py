"""Blocklist entries added by value and removed, each audited with the acting key or person:
one home for the API's `/v1/blocklist` and the console's blocklist screen (a session's
values are added by `from_session`)."""

from __future__ import annotations

import uuid

import psycopg

from shared.audit import audit
from shared.blocklist.store import add_value, normalise, remove
from shared.crypto.envelope import TenantCipher
from shared.errors import InvalidInput

VALUE_KINDS = ("document_number", "email", "phone")


def add_by_value(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    kind: str,
    value: str,
    actor: str,
    actor_name: str | None = None,
    reason: str | None = None,
) -> str:
    """The new entry's id; InvalidInput (pointer /value or /kind) for what is not a value of
    its kind (a face comes from a session only)."""
    if kind not in VALUE_KINDS:
        detail = f"kind is one of {', '.join(VALUE_KINDS)} (a face is added from a session)"
        raise InvalidInput(detail, errors=[{"pointer": "/kind", "detail": detail}])
    norm = normalise(kind, value)
    if norm is None:
        detail = f"not a valid {kind.replace('_', ' ')}"
        raise InvalidInput(detail, errors=[{"pointer": "/value", "detail": detail}])
    entry = add_value(conn, cipher, kind, norm)
    details = {"kind": kind, "entry_id": entry}
    if reason:
        details["reason"] = reason[:2000]
    audit(conn, cipher.tenant_id, actor, "blocklist.added", None, details, actor_name=actor_name)
    return entry


def remove_entry(
    conn: psycopg.Connection,
    tenant_id: str,
    entry_id: uuid.UUID,
    actor: str,
    actor_name: str | None = None,
) -> bool:
    """False when the tenant has no such entry."""
    if not remove(conn, entry_id):
        return False
    audit(
        conn,
        tenant_id,
        actor,
        "blocklist.removed",
        details={"entry_id": str(entry_id)},
        actor_name=actor_name,
    )
    return True
