"""Sandbox outcomes: what a step of a test session (an `idm_test_…` key's) reports. No
model runs and no message is sent; the outcome is chosen deterministically by documented
magic inputs (docs/sandbox.md):

- the session's `vendor_data`: `sandbox:<outcome>` for every step, or
  `sandbox:<check>=<outcome>,<check>=<outcome>` per check (other steps are approved);
- for the `email` step, the verified address's local part: `<outcome>@…` or
  `<outcome>+<CODE>@…` (it wins over `vendor_data`);
- for a step that takes uploads, the name of the latest upload of a kind it takes:
  `<outcome>.<ext>` or `<outcome>+<CODE>.<ext>` (it wins over `vendor_data`; the name is
  kept, as `artifacts.sandbox_magic`, only for test sessions and only when it is magic).

An outcome is `approved`, `review`, `declined` or `error`, optionally with a code the check
can report (`declined:DOCUMENT_EXPIRED`; in an email local part `declined+EMAIL_DISPOSABLE`).
The `email` and `phone` steps still wait for the (fixed) one-time code first: they run their
real logic, which sends nothing in a test session, and the magic then replaces the outcome.
"""

from __future__ import annotations

import re

from shared.checks.catalogue import codes_of
from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity

SANDBOX_INVALID_MAGIC = "SANDBOX_INVALID_MAGIC"  # a sandbox magic input names no outcome
PREFIX = "sandbox:"
REAL_LOGIC = frozenset({"email", "phone"})  # no model, no message: run as in production
OUTCOMES = {
    "approved": (CheckStatus.passed, Severity.info),
    "review": (CheckStatus.warning, Severity.warning),
    "declined": (CheckStatus.failed, Severity.error),
    "error": (CheckStatus.error, Severity.error),
}
_SCORES = {"approved": 100.0, "review": 50.0, "declined": 0.0, "error": None}
_RISK_SCORES = {"approved": 0.0, "review": 60.0, "declined": 90.0, "error": None}
_OUTCOME = re.compile(r"^(approved|review|declined|error)(?:[:+]([A-Z][A-Z0-9_]*))?$")


_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def file_magic(filename: str | None) -> str | None:
    """The outcome an uploaded file's name selects (`declined+DOCUMENT_EXPIRED.jpg` →
    `declined:DOCUMENT_EXPIRED`), or None when the name is not magic."""
    if not filename:
        return None
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
    head, plus, code = stem.partition("+")
    if head.lower() not in OUTCOMES or (plus and not _CODE.match(code)):
        return None
    return f"{head.lower()}:{code.upper()}" if code else head.lower()


def magic_for(
    check: str, vendor_data: str | None, email: str | None = None, upload: str | None = None
) -> str | None:
    """The outcome text the magic inputs select for this check, or None (no magic)."""
    if upload:
        return upload
    if check == "email" and email:
        head, _, code = email.split("@", 1)[0].partition("+")
        if head.lower() in OUTCOMES:
            return f"{head.lower()}:{code.upper()}" if code else head.lower()
    if not vendor_data or not vendor_data.startswith(PREFIX):
        return None
    spec = vendor_data[len(PREFIX) :].strip()
    if "=" not in spec:
        return spec
    for part in spec.split(","):
        name, _, outcome = part.partition("=")
        if name.strip() == check:
            return outcome.strip()
    return "approved"


def simulated(check: str, magic: str | None) -> CheckResult:
    """The result a magic outcome selects (approved when there is none)."""
    m = _OUTCOME.match(magic or "approved")
    code = m.group(2) if m else None
    if m is None or (code is not None and code not in codes_of(check)):
        return CheckResult(
            check=check,
            status=CheckStatus.error,
            warnings=[
                CheckWarning(
                    code=SANDBOX_INVALID_MAGIC,
                    severity=Severity.error,
                    message=f"sandbox magic {magic!r}: see docs/sandbox.md for {check}",
                )
            ],
            data={"sandbox": True},
        )
    outcome = m.group(1)
    status, severity = OUTCOMES[outcome]
    warnings = [CheckWarning(code=code, severity=severity, message="sandbox")] if code else []
    score = (_RISK_SCORES if check == "risk" else _SCORES)[outcome]
    return CheckResult(
        check=check,
        status=status,
        score=score,
        warnings=warnings,
        data={"sandbox": True, "outcome": outcome, "score_scale": "0-100"},
    )
