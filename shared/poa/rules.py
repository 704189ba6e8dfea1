"""The workflow rules: accepted type, recency, name and address, issuer, manipulation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from shared.checks.result import CheckWarning, Severity
from shared.poa import address as addr_mod
from shared.poa import codes
from shared.poa import names as names_mod
from shared.poa.extract import Extraction
from shared.poa.params import DocType, ProofOfAddressParams


@dataclass
class RuleOutcome:
    rule: str
    outcome: str  # passed / failed / warning / not_evaluated
    detail: dict = field(default_factory=dict)

    def dump(self) -> dict:
        return {"rule": self.rule, "outcome": self.outcome, **self.detail}


@dataclass
class RulesResult:
    outcomes: list[RuleOutcome] = field(default_factory=list)
    warnings: list[CheckWarning] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)

    def warn(self, code: str, message: str, severity: Severity = Severity.error) -> None:
        self.warnings.append(CheckWarning(code=code, severity=severity, message=message))


def months_between(earlier: date, later: date) -> float:
    return (
        (later.year - earlier.year) * 12
        + (later.month - earlier.month)
        + (later.day - earlier.day) / 31.0
    )


def _split_holders(name: str) -> list[str]:
    parts = re.split(r"\s+(?:&|and|und|et|y|en|e)\s+|\s*&\s*", name, flags=re.I)
    out = [p.strip() for p in parts if p.strip()]
    if len(out) > 1:
        # "John & Jane Smith": the family name is shared
        last = out[-1].split()[-1]
        out = [p if len(p.split()) > 1 else f"{p} {last}" for p in out]
    return out or [name]


def evaluate(
    ex: Extraction,
    params: ProofOfAddressParams,
    today: date,
    expected_name: str | None,
    name_source: str,
    expected_address: str | None,
) -> RulesResult:
    r = RulesResult()
    # document type
    dt = DocType(ex.doc_type.value)
    if dt in params.accepted_types:
        r.outcomes.append(RuleOutcome("accepted_type", "passed", {"type": dt.value}))
    else:
        r.outcomes.append(RuleOutcome("accepted_type", "failed", {"type": dt.value}))
        r.warn(codes.POA_UNSUPPORTED_TYPE, f"document type '{dt.value}' is not accepted")
    # recency
    if ex.issue_date is None:
        r.outcomes.append(RuleOutcome("recency", "failed", {"reason": "no issue date found"}))
        r.warn(codes.POA_DATE_NOT_FOUND, "no issue date could be found on the document")
    else:
        issued: date = ex.issue_date.value  # type: ignore[assignment]
        limit = params.max_age_for(dt)
        age = months_between(issued, today)
        detail = {
            "issue_date": issued.isoformat(),
            "age_months": round(age, 2),
            "max_age_months": limit,
            "today": today.isoformat(),
        }
        if (issued - today).days > params.future_tolerance_days:
            r.outcomes.append(RuleOutcome("recency", "failed", detail))
            r.warn(codes.POA_DATE_IN_FUTURE, f"issue date {issued.isoformat()} is in the future")
        elif age > limit:
            r.outcomes.append(RuleOutcome("recency", "failed", detail))
            r.warn(
                codes.POA_DOCUMENT_TOO_OLD,
                f"issued {age:.1f} months ago; at most {limit} months are accepted",
            )
        else:
            r.outcomes.append(RuleOutcome("recency", "passed", detail))
    # holder name
    if not expected_name:
        r.outcomes.append(
            RuleOutcome(
                "name_match",
                "not_evaluated",
                {"reason": "no expected name and no identity document name"},
            )
        )
        r.not_evaluated.append("name_match")
    elif ex.holder_name is None:
        r.outcomes.append(RuleOutcome("name_match", "failed", {"reason": "no holder name found"}))
        if params.require_name_match:
            r.warn(codes.POA_NAME_NOT_FOUND, "no holder name could be found on the document")
        r.scores.append(0.0)
    else:
        doc_name = str(ex.holder_name.value)
        best = max(
            (
                names_mod.compare(h, expected_name, params.name_threshold)
                for h in _split_holders(doc_name)
            ),
            key=lambda m: m.score,
        )
        detail = {
            "document_name": doc_name,
            "expected_source": name_source,
            "score": best.score,
            "detail": best.detail,
        }
        r.scores.append(best.score)
        if best.matched:
            r.outcomes.append(RuleOutcome("name_match", "passed", detail))
        else:
            r.outcomes.append(RuleOutcome("name_match", "failed", detail))
            if params.require_name_match:
                r.warn(codes.POA_NAME_MISMATCH, "the holder name does not match the expected name")
    # address
    if not expected_address:
        r.outcomes.append(
            RuleOutcome("address_match", "not_evaluated", {"reason": "no declared address"})
        )
        r.not_evaluated.append("address_match")
    else:
        exp = addr_mod.parse_freeform(expected_address, ex.country or None)
        if ex.address is None:
            r.outcomes.append(
                RuleOutcome(
                    "address_match", "failed", {"reason": "no address found on the document"}
                )
            )
            if params.require_address_match:
                r.warn(codes.POA_ADDRESS_NOT_FOUND, "no postal address could be found")
            r.scores.append(0.0)
        elif exp is None:
            r.outcomes.append(
                RuleOutcome(
                    "address_match",
                    "not_evaluated",
                    {"reason": "the declared address could not be parsed"},
                )
            )
            r.not_evaluated.append("address_match")
            r.warn(
                codes.POA_ADDRESS_MISMATCH,
                "the declared address could not be parsed",
                Severity.warning,
            )
        else:
            m = addr_mod.compare(ex.address, exp, params.address_threshold)
            r.scores.append(m.score)
            detail = {"score": m.score, "components": m.components, "declared": exp.as_dict()}
            if m.matched:
                r.outcomes.append(RuleOutcome("address_match", "passed", detail))
            else:
                r.outcomes.append(RuleOutcome("address_match", "failed", detail))
                if params.require_address_match:
                    r.warn(
                        codes.POA_ADDRESS_MISMATCH,
                        "the address does not match the declared address",
                    )
    # issuer
    if ex.issuer.known:
        r.outcomes.append(RuleOutcome("known_issuer", "passed", {"issuer": ex.issuer.name}))
    else:
        sev = Severity.error if params.fail_on_unknown_issuer else Severity.warning
        r.outcomes.append(
            RuleOutcome(
                "known_issuer",
                "failed" if sev == Severity.error else "warning",
                {"issuer_guess": ex.issuer.name},
            )
        )
        r.warn(codes.POA_ISSUER_UNKNOWN, "the issuer is not in the known-issuer list", sev)
    return r
