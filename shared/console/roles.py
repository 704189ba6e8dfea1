"""Roles of a tenant's people and what each may do (every console route names one
permission; `require` raises NotAllowed otherwise)."""

from __future__ import annotations

from typing import Literal

from shared.console.errors import NotAllowed

Role = Literal["owner", "admin", "reviewer", "developer", "viewer"]
ROLES: tuple[str, ...] = ("owner", "admin", "reviewer", "developer", "viewer")

# permission -> roles holding it
PERMISSIONS: dict[str, frozenset[str]] = {
    # the queue, case pages, evidence, reports: people who look at end users' data
    "cases:read": frozenset({"owner", "admin", "reviewer", "viewer"}),
    # claim, approve, decline, request resubmission
    "cases:decide": frozenset({"owner", "admin", "reviewer"}),
    # assign a case to someone else, four-eyes setting
    "cases:assign": frozenset({"owner", "admin"}),
    "analytics:read": frozenset({"owner", "admin", "reviewer", "developer", "viewer"}),
    # blocklist a case's face, document number, e-mail or phone
    "blocklist:add": frozenset({"owner", "admin", "reviewer"}),
    # remove an entry from the blocklist screen
    "blocklist:remove": frozenset({"owner", "admin"}),
    # the API keys screen: create (the secret shown once), rotate, revoke
    "keys:manage": frozenset({"owner", "admin", "developer"}),
    "team:manage": frozenset({"owner", "admin"}),
    # the webhook endpoint's delivery log and resend (developers run the integration)
    "webhooks:manage": frozenset({"owner", "admin", "developer"}),
    # workflows: edit (a new version, validated), versions and their diff
    "workflows:manage": frozenset({"owner", "admin", "developer"}),
    "settings:manage": frozenset({"owner", "admin"}),
}


def may(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def require(role: str, permission: str) -> None:
    if not may(role, permission):
        raise NotAllowed(f"the {role} role may not do this ({permission})")


def may_grant(granter: str, role: str) -> bool:
    """Admins invite anyone but owners; only an owner makes another owner."""
    if role not in ROLES:
        return False
    return granter == "owner" or (granter == "admin" and role != "owner")


def may_hold_key(role: str, scopes: list[str] | None) -> bool:
    """Whether `role` may create, rotate or revoke a key with these scopes (None: every scope).
    A key with the `admin` scope manages keys and invites console owners through the API, so
    only owners and admins handle one: a developer's key can never be more than a developer."""
    if role in ("owner", "admin"):
        return True
    return may(role, "keys:manage") and scopes is not None and "admin" not in scopes
