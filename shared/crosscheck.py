"""What the tenant expected (name, date of birth) against what a document says.

Used by the `id_document` and `nfc` steps after their engine ran. Names are compared with
the AML name comparator (transliteration, diacritics, token order, initials), so
"Müller, Jürgen" and "JUERGEN MUELLER" agree. A mismatch is an error-severity warning that
sends the step to `warning` (review by the default rules; a rule on the code may decline).
"""

from __future__ import annotations

from typing import Any

from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity
from shared.sessions.store import Expected

EXPECTED_NAME_MISMATCH = "EXPECTED_NAME_MISMATCH"  # holder's name differs from the expected name
EXPECTED_DOB_MISMATCH = "EXPECTED_DOB_MISMATCH"  # date of birth differs from the expected one

NAME_MATCH_THRESHOLD = 0.9  # per token: spelling variants (Jon / John) go to review


def holder(data: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(given names, surname, date of birth) read from a result's `data.mrz`, else from its
    visual/barcode `data.fields`."""
    mrz = data.get("mrz") or {}
    fields = data.get("fields") or {}

    def field(name: str) -> str | None:
        v = mrz.get(name)
        if not v and isinstance(fields.get(name), dict):
            v = fields[name].get("value")
        return str(v).strip() if v else None

    return field("given_names"), field("surname"), field("date_of_birth")


def _dob_agrees(expected: str, read: str) -> bool:
    """`YYYY` or `YYYY-MM-DD` against the document's date; unknown parts (`X`) agree."""
    for a, b in zip(expected, read, strict=False):
        if "X" in (a, b) or a == b:
            continue
        return False
    return True


# ICAO 9303 part 3 transliterations that differ from simply dropping the accent.
_ICAO_FOLD = str.maketrans(
    {
        "Ä": "AE",
        "Ö": "OE",
        "Ü": "UE",
        "ß": "SS",
        "Å": "AA",
        "Æ": "AE",
        "Ø": "OE",
        "Þ": "TH",
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "å": "aa",
        "æ": "ae",
        "ø": "oe",
        "þ": "th",
    }
)


def _part_score(expected: str, read: str) -> float:
    """Every token the tenant gave must be on the document (extra middle names are fine):
    the lowest, over expected tokens, of the best AML token similarity, trying both the
    ICAO transliteration (Ü → UE) and plain accent folding (Ü → U)."""
    from shared.aml.names import compare_names

    read_tokens = read.replace("<", " ").replace(",", " ").split()
    worst = 1.0
    for token in expected.replace(",", " ").split():
        best = max(
            (
                compare_names(variant, r).score
                for variant in {token, token.translate(_ICAO_FOLD)}
                for r in read_tokens
            ),
            default=0.0,
        )
        worst = min(worst, best)
    return worst


def _name_score(expected: Expected, given: str | None, surname: str | None) -> float | None:
    parts = [
        _part_score(want, got)
        for want, got in ((expected.last_name, surname), (expected.first_name, given))
        if want and got
    ]
    return min(parts) if parts else None


def _mismatch(code: str, what: str) -> CheckWarning:
    return CheckWarning(
        code=code, severity=Severity.error, message=f"{what} differs from what was expected"
    )


def compare_expected(result: CheckResult, expected: Expected | None) -> CheckResult:
    """Adds `data.expected` (what was compared, scores 0–100) and the mismatch codes."""
    if expected is None or result.status in (CheckStatus.error, CheckStatus.pending):
        return result
    given, surname, dob = holder(result.data)
    report: dict[str, Any] = {}
    mismatches: list[CheckWarning] = []
    if expected.first_name or expected.last_name:
        score = _name_score(expected, given, surname)
        if score is None:
            report["name"] = {"compared": False, "reason": "no name read on the document"}
        else:
            same = score >= NAME_MATCH_THRESHOLD
            report["name"] = {"compared": True, "score": round(score * 100, 1), "match": same}
            if not same:
                mismatches.append(_mismatch(EXPECTED_NAME_MISMATCH, "the holder's name"))
    if expected.date_of_birth:
        if not dob:
            report["date_of_birth"] = {"compared": False, "reason": "no date of birth read"}
        else:
            same = _dob_agrees(expected.date_of_birth, dob)
            report["date_of_birth"] = {"compared": True, "match": same}
            if not same:
                mismatches.append(_mismatch(EXPECTED_DOB_MISMATCH, "the date of birth"))
    if not report:
        return result
    result.data["expected"] = report
    if mismatches:
        result.warnings = [*result.warnings, *mismatches]
        if result.status == CheckStatus.passed:
            result.status = CheckStatus.warning
    return result
