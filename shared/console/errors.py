"""The console's domain errors (mapped to pages and problem+json at the edges)."""

from __future__ import annotations

from shared.errors import DomainError


class SignInFailed(DomainError):
    """Wrong address, password or code (one message for all: nothing to enumerate)."""

    code = "sign-in-failed"


class AccountLocked(DomainError):
    """Too many failed attempts: the account is locked for a while."""

    code = "account-locked"


class NotAllowed(DomainError):
    """The person's role does not allow this action."""

    code = "forbidden"


class NotAssignee(DomainError):
    """Only the person the case is assigned to decides it."""

    code = "not-assignee"


class InviteInvalid(DomainError):
    """An invitation that is unknown, used or expired, or an address already in use."""

    code = "invite-invalid"


class CaseConflict(DomainError):
    """The case is not in a state that allows this (e.g. a confirmation by the proposer)."""

    code = "case-conflict"
