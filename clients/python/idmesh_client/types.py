"""Typed shapes of the main answers (from the OpenAPI document's schemas). Answers may hold
more keys than listed: new fields are additive within /v1 (docs/versioning.md)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

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
CheckStatus = Literal["passed", "failed", "warning", "error", "pending"]


class Warning(TypedDict):
    code: str
    severity: Literal["info", "warning", "error"]
    message: str


class Check(TypedDict):
    check: str
    step: str
    status: CheckStatus
    score: float | None  # 0–100
    warnings: list[Warning]
    data: dict[str, Any]
    duration_ms: float


class Resubmission(TypedDict):
    steps: list[str]
    reason_codes: list[str]
    round: int
    max_rounds: int
    requested_at: str


class Decision(TypedDict):
    status: str
    action: Literal["approve", "review", "decline", "resubmit"]
    rule: str
    reason_codes: list[str]
    decided_by: str
    note: NotRequired[str | None]
    resubmission: NotRequired[Resubmission]
    steps: NotRequired[list[dict[str, Any]]]


class Session(TypedDict):
    session_id: str
    status: SessionStatus
    workflow_id: str
    workflow_version: int
    decision: Decision | None
    vendor_data: str | None
    created_at: str
    updated_at: str
    expires_at: str
    checks: list[Check]
    extracted: dict[str, Any]
    artifacts: list[dict[str, Any]]


class SessionCreated(TypedDict):
    session_id: str
    status: SessionStatus
    session_token: str
    url: str
    expires_at: str


class CheckResult(TypedDict):
    check: str
    status: CheckStatus
    score: float | None
    warnings: list[Warning]
    data: dict[str, Any]


class Code(TypedDict):
    code: str
    category: Literal["retake", "risk", "data_mismatch", "policy", "system"]
    checks: list[str]
    description: str
