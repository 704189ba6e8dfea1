"""The result of one check, exactly as API.md describes it.

Every engine (documents, faces, aml, nfc, proof of address, email, phone, blocklist) returns a
`CheckResult`. A check that could not run says so with status `error` and a warning code; it
never reports `passed`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CheckStatus(StrEnum):
    passed = "passed"
    failed = "failed"
    warning = "warning"
    error = "error"
    pending = "pending"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    error = "error"


class CheckWarning(BaseModel):
    """A stable, documented code with its severity and a human message."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    severity: Severity = Severity.warning
    message: str = ""


class ModelInfo(BaseModel):
    """Which model (weights file) produced a figure: name, version and file hash."""

    name: str
    version: str = ""
    sha256: str = ""


class CheckResult(BaseModel):
    check: str
    status: CheckStatus
    score: float | None = None
    warnings: list[CheckWarning] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    duration_ms: float = 0.0
    model: list[ModelInfo] = Field(default_factory=list)

    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


def status_of(warnings: list[CheckWarning]) -> CheckStatus:
    """The status a check's warnings call for: failed on an error, warning on a warning,
    else passed (info notes do not count)."""
    if any(w.severity == Severity.error for w in warnings):
        return CheckStatus.failed
    if any(w.severity == Severity.warning for w in warnings):
        return CheckStatus.warning
    return CheckStatus.passed


def error_result(check: str, code: str, message: str, duration_ms: float = 0.0) -> CheckResult:
    """The result of a check that could not run (bad input, missing model...)."""
    return CheckResult(
        check=check,
        status=CheckStatus.error,
        warnings=[CheckWarning(code=code, severity=Severity.error, message=message)],
        duration_ms=duration_ms,
    )


class Stopwatch:
    """Measures a check's duration in milliseconds."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    @property
    def ms(self) -> float:
        return round((time.perf_counter() - self._start) * 1000.0, 2)


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    yield Stopwatch()
