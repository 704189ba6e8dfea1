"""The catalogue of every code a check can report: which checks emit it, its category and
what it means. Published as `GET /v1/codes` and as `docs/codes.md` (generated from here).

The codes themselves stay where the engines define them (`shared/<area>/codes.py` and the
platform adapters), each with its one-line meaning as a comment or in a `CODES` table; this
module only gathers them. Categories tell an integrator what to do with a code:

- `retake`: the capture could not be read well enough; ask the end user to take it again.
- `risk`: a signal of fraud or of a listed person; a reason to decline or review.
- `data_mismatch`: two sources of the same fact disagree (document vs expected data, selfie
  vs portrait, chip vs printed page).
- `policy`: what the tenant's rules judge (expired, too young, type not accepted) or a fact
  they may act on (an MRZ repaired by its check digits, a QR code found).
- `system`: idmesh could not run the check (configuration, missing list or model).
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Literal

from pydantic import BaseModel

Category = Literal["retake", "risk", "data_mismatch", "policy", "system"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

_FACES = ("shared.faces.codes", "shared.faces.step")
# Where each check's codes are defined (modules with `NAME = "NAME"  # meaning` lines).
SOURCES: dict[str, tuple[str, ...]] = {
    "id_document": (
        "shared.documents.codes",
        "shared.documents.step",
        "shared.crosscheck",
    ),
    "face_match": _FACES,
    "passive_liveness": _FACES,
    "active_liveness": _FACES,
    "age_estimation": _FACES,
    "aml": ("shared.aml.codes", "shared.aml.step"),
    "nfc": ("shared.nfc.codes", "shared.nfc.step", "shared.crosscheck"),
    "proof_of_address": ("shared.poa.codes", "shared.poa.step"),
    "email": ("shared.contact.checks",),
    "phone": ("shared.contact.checks",),
    "blocklist": ("shared.blocklist.step",),
    "risk": ("shared.risk.codes",),
}
# Codes every step can report (the check runner's own).
COMMON = {
    "INVALID_STEP_PARAMS": "the step's parameters do not validate",
    "SANDBOX_INVALID_MAGIC": "a test session's magic input names no outcome or an unknown code",
}
# Codes of a shared module that belong to one check only.
_ONLY = {"email": ("EMAIL_", "OTP_", "AWAITING_"), "phone": ("PHONE_", "OTP_", "AWAITING_")}


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


RETAKE = _set(
    """INVALID_IMAGE UNSUPPORTED_FORMAT IMAGE_TOO_LARGE IMAGE_TOO_SMALL MULTI_FRAME_IMAGE
    IMAGE_BLURRY IMAGE_TOO_DARK IMAGE_TOO_BRIGHT GLARE_DETECTED LOW_RESOLUTION
    DOCUMENT_NOT_FULLY_IN_FRAME DOCUMENT_NOT_DETECTED MRZ_NOT_FOUND MRZ_CHECKSUM_FAILED
    BARCODE_NOT_READ NO_DOCUMENT_DATA PORTRAIT_NOT_DETECTED NO_DOCUMENT_IMAGE
    NO_FACE_DETECTED MULTIPLE_FACES_DETECTED FACE_TOO_SMALL FACE_BLURRED FACE_TOO_DARK
    FACE_OVEREXPOSED POSE_TOO_STRONG IMAGE_INVALID TOO_FEW_FRAMES CHALLENGE_EXPIRED
    CHALLENGE_NOT_COMPLETED NO_SELFIE LIVENESS_NO_CHALLENGE LIVENESS_NO_FRAMES
    POA_UNSUPPORTED_FORMAT POA_FILE_TOO_LARGE POA_TOO_MANY_PAGES POA_ENCRYPTED
    POA_CORRUPT_FILE POA_IMAGE_TOO_LARGE POA_UNREADABLE POA_LOW_OCR_CONFIDENCE
    POA_NO_DOCUMENT POA_DATE_NOT_FOUND POA_NAME_NOT_FOUND POA_ADDRESS_NOT_FOUND
    NFC_NO_CHIP_DATA NFC_TRUNCATED_FILE NFC_FACE_IMAGE_UNDECODABLE NFC_SOD_MISSING
    NFC_AA_MISSING NFC_DG1_MISSING NFC_DG2_MISSING NFC_MALFORMED_FILE OTP_EXPIRED"""
)
SYSTEM = _set(
    """INVALID_STEP_PARAMS INVALID_PARAMS POA_INVALID_PARAMS MODEL_UNAVAILABLE
    POA_MODEL_UNAVAILABLE INTERNAL_ERROR AML_NO_LISTS_LOADED AML_LISTS_UNAVAILABLE
    AML_INVALID_NAME AML_INVALID_DOB AML_INVALID_COUNTRY AML_INVALID_TYPE AML_NO_NAME
    NO_REFERENCE_FACE NFC_TRUST_STORE_EMPTY NFC_CRL_UNAVAILABLE NFC_CRL_OUTDATED
    NFC_UNSUPPORTED_ALGORITHM NFC_UNKNOWN_FILE AWAITING_USER_INPUT SANDBOX_INVALID_MAGIC"""
)
POLICY = _set(
    """DOCUMENT_EXPIRED MINIMUM_AGE_NOT_MET AGE_BORDERLINE DOCUMENT_TYPE_NOT_ACCEPTED
    COUNTRY_NOT_ACCEPTED QR_CODE_FOUND MRZ_REPAIRED PHONE_COUNTRY_NOT_ALLOWED
    EMAIL_ROLE_ACCOUNT PHONE_INVALID POA_DOCUMENT_TOO_OLD POA_DATE_IN_FUTURE
    POA_UNSUPPORTED_TYPE POA_ISSUER_UNKNOWN NFC_DOCUMENT_EXPIRED NFC_AA_NOT_SUPPORTED
    """
)
# Mismatches that are forgery signals, not two honest sources disagreeing.
RISK = _set(
    """NFC_DG_HASH_MISMATCH NFC_SOD_DIGEST_MISMATCH NFC_COUNTRY_MISMATCH
    DOCUMENT_SIDES_MISMATCH LIVENESS_UNCERTAIN"""
)
_MISMATCH = re.compile(r"MISMATCH|INCONSISTENT|UNCERTAIN")
_DEFINITION = re.compile(r'^([A-Z][A-Z0-9_]*) = \(?\s*"([A-Z][A-Z0-9_]*)"\)?\s*(?:#\s*(.*))?$')


class CodeInfo(BaseModel):
    code: str
    category: Category
    checks: list[str]
    description: str


def category_of(code: str) -> Category:
    if code in RETAKE:
        return "retake"
    if code in SYSTEM:
        return "system"
    if code in POLICY:
        return "policy"
    if code in RISK:
        return "risk"
    if _MISMATCH.search(code):
        return "data_mismatch"
    return "risk"


def _definitions(module_name: str) -> dict[str, str]:
    """`{code: meaning}` from a module's `NAME = "NAME"  # meaning` lines and `CODES` table."""
    module = importlib.import_module(module_name)
    source = inspect.getsource(module)
    # Join `NAME = (\n    "NAME"  # meaning\n)` onto one line.
    source = re.sub(r"= \(\n\s*(\"[A-Z0-9_]+\"[^\n]*)\n\)", r"= \1", source)
    found: dict[str, str] = {}
    for line in source.splitlines():
        m = _DEFINITION.match(line.strip())
        if m and m.group(1) in (m.group(2), *_ALIASES) and not line.startswith((" ", "\t")):
            found[m.group(2)] = (m.group(3) or "").strip()
    for code, meaning in (getattr(module, "CODES", None) or {}).items():
        if isinstance(meaning, str) and code in found:
            found[code] = found[code] or meaning
    return found


_ALIASES = ("NO_CHALLENGE", "NO_FRAMES", "NO_ADDRESS_DOCUMENT", "INVALID_PARAMS")


@cache
def catalogue() -> tuple[CodeInfo, ...]:
    by_code: dict[str, CodeInfo] = {}
    for check, modules in SOURCES.items():
        codes = dict(COMMON)
        for name in modules:
            codes.update(_definitions(name))
        only = _ONLY.get(check)
        for code, meaning in codes.items():
            if only and not code.startswith(only):
                continue
            info = by_code.get(code)
            if info is None:
                by_code[code] = CodeInfo(
                    code=code, category=category_of(code), checks=[check], description=meaning
                )
            else:
                info.checks.append(check)
                info.description = info.description or meaning
    return tuple(sorted(by_code.values(), key=lambda c: c.code))


def codes_of(check: str) -> set[str]:
    """Every code the check can report."""
    return {c.code for c in catalogue() if check in c.checks}


def render_markdown() -> str:
    """`docs/codes.md` (a test fails when the file differs from this)."""
    lines = [
        "# Warning and error codes",
        "",
        "Generated from `shared/checks/catalogue.py` (the same list as `GET /v1/codes`);",
        "do not edit by hand: `idmesh codes --markdown > docs/codes.md`.",
        "",
        "Categories: `retake` (ask the end user to capture again), `risk` (fraud or listed",
        "person signal), `data_mismatch` (two sources disagree), `policy` (what the workflow's",
        "rules judge, or a fact they may act on), `system` (idmesh could not run the check).",
        "",
        "| code | category | checks | meaning |",
        "|---|---|---|---|",
    ]
    for c in catalogue():
        checks = ", ".join(f"`{x}`" for x in c.checks)
        lines.append(f"| `{c.code}` | {c.category} | {checks} | {c.description} |")
    return "\n".join(lines) + "\n"
