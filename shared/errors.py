"""Domain errors: what domain code raises when a request cannot be honoured.

They carry no HTTP: the edges map them (`shared.http.problem.problem_for` to problem+json,
the function runtime to event refusals)."""

from __future__ import annotations


def json_pointer(loc: tuple | list) -> str:
    """RFC 6901 pointer to a field (`~` and `/` inside a segment are escaped), as the
    `errors` of a domain error and of a problem name the field they are about."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


class DomainError(Exception):
    """Base of every domain error; `code` is a stable, machine-readable name."""

    code = "domain-error"

    def __init__(
        self, detail: str, *, code: str | None = None, errors: list[dict] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        # Field-level details: [{"pointer": "/email", "detail": "..."}] (RFC 9457 extension).
        self.errors = errors


class IllegalTransition(DomainError):
    """A session state change that its current (stored) state does not allow."""

    code = "session-state"

    def __init__(self, session_id: str, action: str, status: str) -> None:
        super().__init__(f"the session is {status}: cannot {action}")
        self.session_id = session_id
        self.action = action
        self.status = status


class UnknownSubject(DomainError):
    """What an event or request names does not exist for its tenant (another tenant's
    rows are invisible, so they look the same)."""

    code = "unknown-subject"


class UnexpectedEvent(DomainError):
    """An event of a type its receiver does not take."""

    code = "unexpected-event"


class StateMismatch(DomainError):
    """An event disagrees with what Postgres recorded: it is not acted on."""

    code = "state-mismatch"


class FaceNotTemplated(DomainError):
    """A face is needed that no step templated (only the faces function embeds faces)."""

    code = "face-template-missing"


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable (a field's value, an unknown kind)."""

    code = "validation-error"


class ContentTooLarge(DomainError):
    """An upload or a decoded image over a configured limit."""

    code = "content-too-large"


class UnsupportedContent(DomainError):
    """An upload whose real (sniffed) type is not one the artifact kind accepts."""

    code = "unsupported-media-type"


class InvalidCode(DomainError):
    """A one-time code that is wrong, unknown or expired."""

    code = "invalid-code"


class TooManyAttempts(DomainError):
    """A limit on attempts or on a rate was reached; try again after `retry_after` seconds."""

    code = "too-many-attempts"

    def __init__(self, detail: str, *, code: str | None = None, retry_after: int | None = None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class AlreadyDone(DomainError):
    """A one-shot operation that was already carried out."""

    code = "already-done"
