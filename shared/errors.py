"""Domain errors: what domain code raises when a request cannot be honoured.

They carry no HTTP: the edges map them (`shared.http.problem.problem_for` to problem+json,
the function runtime to event refusals)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every domain error; `code` is a stable, machine-readable name."""

    code = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IllegalTransition(DomainError):
    """A session state change that its current (stored) state does not allow."""

    code = "session-state"

    def __init__(self, session_id: str, action: str, status: str) -> None:
        super().__init__(f"the session is {status}: cannot {action}")
        self.session_id = session_id
        self.action = action
        self.status = status
