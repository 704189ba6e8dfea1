"""The `aml` check: screen a name (with optional DOB, country, type, identifiers) against the
current sanctions list versions and return ranked, explained matches."""

from __future__ import annotations

import logging
import re
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.aml import codes
from shared.aml.normalize import normalize
from shared.aml.scoring import Subject
from shared.aml.screener import get_screener
from shared.aml.store import ListStore
from shared.checks.result import (
    CheckResult,
    CheckStatus,
    CheckWarning,
    Severity,
    error_result,
    stopwatch,
)

log = logging.getLogger(__name__)
CHECK = "aml"
_DOB_RE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


class AmlQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    date_of_birth: str | None = None  # YYYY or YYYY-MM-DD
    country: str | None = None  # ISO 3166-1 alpha-2
    type: Literal["person", "company"] | None = None
    identifiers: list[str] = Field(default_factory=list)  # passport / national id numbers


class AmlParams(BaseModel):
    """Workflow step parameters of the `aml` step."""

    model_config = ConfigDict(extra="forbid")

    possible_match_threshold: float = Field(0.7, ge=0, le=1)  # listed + AML_POSSIBLE_MATCH
    review_threshold: float = Field(0.85, ge=0, le=1)  # AML_REVIEW_REQUIRED
    decline_threshold: float | None = Field(None, ge=0, le=1)  # status failed (None: never)
    max_matches: int = Field(10, ge=1, le=100)
    lists: list[str] | None = None  # restrict to these list names (None: all loaded)


class AmlContext(Protocol):
    """Tenant-side lookups; none are needed by the screening itself (lists are platform data).

    `dismissed(entity_id)` lets the platform hide hits a reviewer already dismissed for this
    subject; when absent, that rule is not evaluated."""

    def dismissed(self, entity_id: str) -> bool: ...


def _validate(q: AmlQuery) -> CheckResult | None:
    if not normalize(q.name, q.type or "person").tokens:
        return error_result(CHECK, codes.AML_INVALID_NAME, "name has no letters or digits")
    if q.date_of_birth and not _DOB_RE.match(q.date_of_birth):
        return error_result(
            CHECK, codes.AML_INVALID_DOB, "date_of_birth must be YYYY or YYYY-MM-DD"
        )
    if q.country and not re.match(r"^[A-Za-z]{2}$", q.country):
        return error_result(CHECK, codes.AML_INVALID_COUNTRY, "country must be ISO alpha-2")
    return None


def run_aml(
    query: AmlQuery,
    params: AmlParams | None = None,
    ctx: AmlContext | None = None,
    store: ListStore | None = None,
) -> CheckResult:
    params = params or AmlParams()
    with stopwatch() as sw:
        bad = _validate(query)
        if bad:
            bad.duration_ms = sw.ms
            return bad
        try:
            screener = get_screener(store)
            versions = screener.versions()
        except Exception:  # the store is unreadable: the check cannot run
            log.exception("aml list store unavailable")
            return error_result(
                CHECK, codes.AML_LISTS_UNAVAILABLE, "sanctions list store unavailable", sw.ms
            )
        if params.lists is not None:
            versions = {k: v for k, v in versions.items() if k in params.lists}
        if not versions:
            return error_result(
                CHECK,
                codes.AML_NO_LISTS_LOADED,
                "no sanctions list is loaded: the operator loads the official lists with "
                "`idmesh aml load FILE --format FORMAT` (docs/aml.md)",
                sw.ms,
            )
        subject = Subject.screened(
            query.name, query.date_of_birth, query.country, query.type, query.identifiers
        )
        hits = [
            h
            for h in screener.screen(subject, params.possible_match_threshold, limit=100)
            if h.version.list in versions
        ]
        not_evaluated = []
        if ctx is None:
            not_evaluated.append("dismissed_hits")
        else:
            hits = [h for h in hits if not ctx.dismissed(h.entity.id)]
        hits = hits[: params.max_matches]
        best = hits[0].score if hits else 0.0
        decisive = any(
            "identifier" in h.explanation
            and h.explanation["identifier"].get("effect") == "decisive"
            for h in hits
        )
        confirmed = params.decline_threshold is not None and best >= params.decline_threshold
        findings = (  # (found, code, severity, message)
            (
                bool(hits),
                codes.AML_POSSIBLE_MATCH,
                Severity.warning,
                f"{len(hits)} possible match(es), best score {best:.2f}",
            ),
            (
                best >= params.review_threshold,
                codes.AML_REVIEW_REQUIRED,
                Severity.warning,
                f"match score {best:.2f} ≥ review threshold",
            ),
            (
                decisive,
                codes.AML_IDENTIFIER_MATCH,
                Severity.error,
                "an identifier equals a listed one",
            ),
            (
                confirmed,
                codes.AML_CONFIRMED_MATCH,
                Severity.error,
                f"match score {best:.2f} ≥ decline threshold",
            ),
        )
        warnings = [
            CheckWarning(code=code, severity=severity, message=message)
            for found, code, severity, message in findings
            if found
        ]
        status = CheckStatus.passed
        if confirmed:
            status = CheckStatus.failed
        elif hits:
            status = CheckStatus.warning
        data = {
            "screened_name": query.name,
            "matches": [h.as_match() for h in hits],
            "lists": [
                {"list": v.list, "version": v.id, "published": v.published, "sha256": v.sha256}
                for v in versions.values()
            ],
            "thresholds": {
                "possible_match": params.possible_match_threshold,
                "review": params.review_threshold,
                "decline": params.decline_threshold,
            },
            "rules_not_evaluated": not_evaluated,
        }
        return CheckResult(
            check=CHECK,
            status=status,
            score=round(best, 4),
            warnings=warnings,
            data=data,
            duration_ms=sw.ms,
        )


def warm_up(store: ListStore | None = None) -> None:
    """Load the current list indexes before the function reports ready."""
    get_screener(store).warm_up()
