"""Request and response bodies of the API (pydantic at the boundary)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from shared.sessions.store import Expected
from shared.tenancy.scopes import normalise


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
    workflow_id: uuid.UUID
    vendor_data: str | None = Field(default=None, max_length=1000)
    callback_url: HttpUrl | None = None
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
    callback_url: str | None = None
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
