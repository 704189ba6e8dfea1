"""Request and response bodies of the API (pydantic at the boundary)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from shared.checks.catalogue import CodeInfo
from shared.sessions.store import Expected
from shared.tenancy.api_keys import ApiKeyInfo
from shared.tenancy.scopes import normalise
from shared.workflows.store import WorkflowInfo


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(Strict):
    email: str = Field(min_length=3, max_length=320)
    organization: str = Field(min_length=1, max_length=200)


class RegisterAccepted(BaseModel):
    registration_id: uuid.UUID


class RegisterVerify(Strict):
    email: str = Field(min_length=3, max_length=320)
    code: str = Field(pattern=r"^\s*\d{6}\s*$")


class Registered(BaseModel):
    tenant_id: uuid.UUID
    api_key: str


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    # None: every scope (the default, as keys had before scopes existed)
    scopes: list[str] | None = Field(default=None, max_length=20)
    expires_at: datetime | None = None
    # `test`: an `idm_test_…` key whose sessions run in the sandbox (docs/sandbox.md).
    mode: Literal["live", "test"] = "live"

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, v: list[str] | None) -> list[str] | None:
        return normalise(v)

    @field_validator("expires_at")
    @classmethod
    def _future(cls, v: datetime | None) -> datetime | None:
        if v is not None and (v.tzinfo is None or v <= datetime.now(UTC)):
            raise ValueError("expires_at must be a future time with a time zone")
        return v


class ApiKeyRotate(Strict):
    # How long the old key keeps working (0: it stops at once); at most 7 days.
    grace_seconds: int = Field(default=0, ge=0, le=7 * 24 * 3600)


class SessionCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow_id": "6e56bf40-7456-440b-a6be-cbde45df0bca",
                    "vendor_data": "customer-42",
                    "expected": {
                        "first_name": "Olivia",
                        "last_name": "Kowalski",
                        "date_of_birth": "1978-06-26",
                    },
                }
            ]
        },
    )

    workflow_id: uuid.UUID
    vendor_data: str | None = Field(default=None, max_length=1000)
    callback_url: HttpUrl | None = Field(
        default=None,
        description="Deprecated (sunset 2027-06-30): the name other providers use for where "
        "the end user returns; kept as an alias of `redirect_url` (used when `redirect_url` "
        "is absent). Server-side notifications are webhooks (`/v1/webhooks`), never a "
        "per-session URL. Answers `Deprecation` and `Sunset` headers.",
        json_schema_extra={"deprecated": True},
    )
    expected: Expected | None = None
    redirect_url: HttpUrl | None = Field(
        default=None,
        description="where the hosted pages send the end user when done, with `session_id` "
        "and `status` added to the query (fetch the real result server-side)",
    )
    language: Literal["en", "es", "fr", "de", "pt", "ar"] | None = Field(
        default=None,
        description="language of the hosted pages; omitted: the browser's preference",
    )


class SessionCreated(BaseModel):
    session_id: uuid.UUID
    status: str
    session_token: str
    url: str
    verification_url: str = Field(
        description="the hosted verification page to send the end user to: an opaque, "
        "single-session token in the path, valid until the session expires"
    )
    expires_at: datetime


class CheckView(BaseModel):
    check: str
    step: str
    status: str
    score: float | None = None
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    duration_ms: float = 0.0
    model: list[dict[str, Any]] = Field(default_factory=list)


class SessionView(BaseModel):
    session_id: uuid.UUID
    status: str
    workflow_id: uuid.UUID
    workflow_version: int
    decision: dict[str, Any] | None = None
    vendor_data: str | None = None
    callback_url: str | None = Field(
        default=None,
        description="Deprecated: as given at creation (an alias of `redirect_url`)",
        json_schema_extra={"deprecated": True},
    )
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    expires_at: datetime
    checks: list[CheckView] = Field(default_factory=list)
    extracted: dict[str, Any] = Field(default_factory=dict)
    artifacts: list[dict[str, Any]] = Field(default_factory=list)


class SessionPage(BaseModel):
    items: list[SessionView]
    next_cursor: str | None = None


class ReviewRequest(Strict):
    decision: Literal["approved", "declined"]
    note: str | None = Field(default=None, max_length=2000)


class ArtifactCreated(BaseModel):
    artifact_id: uuid.UUID
    artifact_ids: list[uuid.UUID]
    kind: str


class WorkflowCreated(BaseModel):
    id: uuid.UUID
    version: int


class CodeCatalogue(BaseModel):
    items: list[CodeInfo]


class SubmitAccepted(BaseModel):
    session_id: uuid.UUID
    status: str


class NfcChallenge(BaseModel):
    nonce: str = Field(description="hex; the chip signs it (Active Authentication)")
    expires_at: datetime


class ApiKeyList(BaseModel):
    items: list[ApiKeyInfo]


class WorkflowList(BaseModel):
    items: list[WorkflowInfo]


class BlocklistCreated(BaseModel):
    id: uuid.UUID
    kind: str


class OtpSent(BaseModel):
    session_id: uuid.UUID
    channel: Literal["email", "phone"]
    sent: bool
    expires_in: int = Field(description="seconds")


class OtpVerified(BaseModel):
    session_id: uuid.UUID
    channel: Literal["email", "phone"]
    verified: bool


class WebhookView(BaseModel):
    url: str
    events: list[str]
    rotating: bool = Field(description="a previous secret still signs (24 h after a rotation)")


class WebhookSet(BaseModel):
    url: str
    events: list[str]
    secret: str = Field(description="the new signing secret (`whsec_...`), shown once")


class Accepted(BaseModel):
    id: uuid.UUID
    status: str
