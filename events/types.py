"""The idmesh CloudEvent catalogue: type names, attribute names and the data models.

`data` carries ids and results only, never images or personal data (claim check). Every
model forbids unknown fields so that a producer cannot smuggle extra content through.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Extension attribute names (CloudEvents: lowercase alphanumeric, at most 20 characters).
EXT_TENANT_ID = "tenantid"
EXT_SESSION_ID = "sessionid"
EXT_CHECK_TYPE = "checktype"
EXT_TRACEPARENT = "traceparent"
EXT_TRACESTATE = "tracestate"

SESSION_SUBMITTED = "io.idmesh.session.submitted.v1"
SESSION_INPUT = "io.idmesh.session.input.v1"
CHECK_REQUESTED = "io.idmesh.check.requested.v1"
CHECK_COMPLETED = "io.idmesh.check.completed.v1"
SESSION_DECIDED = "io.idmesh.session.decided.v1"
SESSION_UPDATED = "io.idmesh.session.updated.v1"
AML_HIT = "io.idmesh.aml.hit.v1"  # deprecated (0.3.0): score 0–1; use .v2
AML_HIT_V2 = "io.idmesh.aml.hit.v2"
# Platform events: published to the platform Broker (`idmesh/platform`), not a tenant's.
TENANT_REGISTERED = "io.idmesh.tenant.registered.v1"
PLATFORM_EVENT_TYPES = frozenset({TENANT_REGISTERED})

CheckStatus = Literal["passed", "failed", "warning", "error", "pending"]
DecisionStatus = Literal["approved", "declined", "in_review"]
SessionStatus = Literal[
    "not_started",
    "in_progress",
    "resubmission_requested",
    "in_review",
    "approved",
    "declined",
    "expired",
    "abandoned",
]
UserInput = Literal["email_verified", "phone_verified", "artifact_uploaded", "challenge_answered"]

_Id = Field(min_length=1, max_length=128)
# Ids of rows (sessions, workflows, checks) are UUIDs: anything else is refused at parse
# time (a 400 the broker does not retry), never left to fail in SQL (a 500, retried).
_UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_Uuid = Field(pattern=_UUID_PATTERN)
_OptUuid = Field(default=None, pattern=_UUID_PATTERN)


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionSubmitted(EventData):
    session_id: str = _Uuid
    workflow_id: str = _Uuid
    workflow_version: int = Field(ge=1)


class SessionInput(EventData):
    """An end-user action that may unblock a waiting workflow step."""

    session_id: str = _Uuid
    input: UserInput
    check: str | None = None


class CheckRequested(EventData):
    """A "look at this step" notice (ids only): the check reads the step's params from the
    session's stored workflow version and runs only for an attempt the orchestrator stored."""

    session_id: str = _Uuid
    check: str = Field(min_length=1, max_length=64)
    step: int = Field(ge=0)
    attempt: int = Field(default=1, ge=1)


class CheckCompleted(EventData):
    session_id: str = _Uuid
    check: str = Field(min_length=1, max_length=64)
    step: int = Field(ge=0)
    check_id: str = _Uuid
    status: CheckStatus
    score: float | None = None
    warning_codes: list[str] = Field(default_factory=list)


class SessionDecided(EventData):
    session_id: str = _Uuid
    status: DecisionStatus
    rule: str | None = None
    reason_codes: list[str] = Field(default_factory=list)


class SessionUpdated(EventData):
    session_id: str = _Uuid
    status: SessionStatus
    previous_status: SessionStatus | None = None


class AmlHit(EventData):
    subject_id: str = _Id
    session_id: str | None = _OptUuid
    entity_id: str = _Id
    list: str = Field(min_length=1, max_length=128)
    list_version: str = Field(min_length=1, max_length=128)
    score: float = Field(ge=0.0, le=1.0)


class AmlHitV2(AmlHit):
    """`aml.hit` on the one score scale of idmesh: 0–100 (v1 said 0–1)."""

    score: int = Field(ge=0, le=100, description="best list match, 0–100 (higher = closer)")


class TenantRegistered(EventData):
    """A tenant was created: the provisioner applies its namespace, Broker and Triggers."""

    slug: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    dedicated: list[str] = Field(default_factory=list)


EVENT_MODELS: dict[str, type[EventData]] = {
    TENANT_REGISTERED: TenantRegistered,
    SESSION_SUBMITTED: SessionSubmitted,
    SESSION_INPUT: SessionInput,
    CHECK_REQUESTED: CheckRequested,
    CHECK_COMPLETED: CheckCompleted,
    SESSION_DECIDED: SessionDecided,
    SESSION_UPDATED: SessionUpdated,
    AML_HIT: AmlHit,
    AML_HIT_V2: AmlHitV2,
}

# Types whose events must carry the `checktype` extension (equal to data.check).
CHECK_EVENT_TYPES = frozenset({CHECK_REQUESTED, CHECK_COMPLETED})
