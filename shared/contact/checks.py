"""The `email` and `phone` checks: a verified one-time code plus what the address says."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity, status_of
from shared.contact.otp import OtpState

AWAITING_USER_INPUT = "AWAITING_USER_INPUT"
OTP_ATTEMPTS_EXCEEDED = "OTP_ATTEMPTS_EXCEEDED"
OTP_EXPIRED = "OTP_EXPIRED"
EMAIL_DISPOSABLE = "EMAIL_DISPOSABLE"
EMAIL_ROLE_ACCOUNT = "EMAIL_ROLE_ACCOUNT"
EMAIL_MISMATCH = "EMAIL_MISMATCH"
PHONE_VOIP = "PHONE_VOIP"
PHONE_PREMIUM_RATE = "PHONE_PREMIUM_RATE"
PHONE_COUNTRY_NOT_ALLOWED = "PHONE_COUNTRY_NOT_ALLOWED"
PHONE_MISMATCH = "PHONE_MISMATCH"
PHONE_INVALID = "PHONE_INVALID"

CODES = {
    AWAITING_USER_INPUT: "the end user has not entered the code yet",
    OTP_ATTEMPTS_EXCEEDED: "the code was entered wrongly too many times",
    OTP_EXPIRED: "the code expired before it was entered",
    EMAIL_DISPOSABLE: "the address belongs to a disposable-mail provider",
    EMAIL_ROLE_ACCOUNT: "the address is a role account (info@, admin@ ...)",
    EMAIL_MISMATCH: "the verified address differs from the one the tenant expected",
    PHONE_VOIP: "the number is a VoIP number",
    PHONE_PREMIUM_RATE: "the number is premium-rate or shared-cost",
    PHONE_COUNTRY_NOT_ALLOWED: "the number's country is not allowed by the workflow",
    PHONE_MISMATCH: "the verified number differs from the one the tenant expected",
    PHONE_INVALID: "the number is not a valid number for its region",
}


class EmailParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    block_disposable: bool = True
    block_role_accounts: bool = False


class PhoneParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed_countries: list[str] | None = Field(default=None, description="ISO 3166 alpha-2")
    block_voip: bool = True
    block_premium_rate: bool = True


def _w(code: str, severity: Severity = Severity.warning) -> CheckWarning:
    return CheckWarning(code=code, severity=severity, message=CODES[code])


def _otp_gate(check: str, state: OtpState | None) -> CheckResult | None:
    """The result while the code is not (yet) verified, or None once it is."""
    if state is not None and state.verified:
        return None
    if state is None or not state.exhausted:
        # Waiting: no code yet, a code not entered yet, or a new code may still be sent.
        return CheckResult(
            check=check,
            status=CheckStatus.pending,
            warnings=[_w(AWAITING_USER_INPUT, Severity.info)],
        )
    code = OTP_ATTEMPTS_EXCEEDED if state.attempts_left == 0 else OTP_EXPIRED
    return CheckResult(check=check, status=CheckStatus.failed, warnings=[_w(code, Severity.error)])


def _flag(code: str, block: bool) -> CheckWarning:
    """A finding the params may block on (an error) or only flag (a warning)."""
    return _w(code, Severity.error if block else Severity.warning)


def _verified(check: str, state: OtpState, warnings: list[CheckWarning]) -> CheckResult:
    """The result for a verified `check` ("email" or "phone"): its target and facts."""
    status = status_of(warnings)
    return CheckResult(
        check=check,
        status=status,
        warnings=warnings,
        score=100.0 if status == CheckStatus.passed else None,
        data={check: state.target, "verified": True, **state.details},
    )


def run_email(
    state: OtpState | None, params: EmailParams, expected_email: str | None = None
) -> CheckResult:
    gate = _otp_gate("email", state)
    if gate is not None:
        return gate
    facts = state.details
    warnings: list[CheckWarning] = []
    if facts.get("disposable"):
        warnings.append(_flag(EMAIL_DISPOSABLE, params.block_disposable))
    if facts.get("role_account"):
        warnings.append(_flag(EMAIL_ROLE_ACCOUNT, params.block_role_accounts))
    if expected_email and expected_email.strip().lower() != state.target.lower():
        warnings.append(_w(EMAIL_MISMATCH))
    return _verified("email", state, warnings)


def run_phone(
    state: OtpState | None, params: PhoneParams, expected_phone: str | None = None
) -> CheckResult:
    gate = _otp_gate("phone", state)
    if gate is not None:
        return gate
    facts = state.details
    warnings: list[CheckWarning] = []
    kind = facts.get("number_type")
    if kind == "voip":
        warnings.append(_flag(PHONE_VOIP, params.block_voip))
    if kind in ("premium_rate", "shared_cost"):
        warnings.append(_flag(PHONE_PREMIUM_RATE, params.block_premium_rate))
    allowed = {c.upper() for c in params.allowed_countries or []}
    if allowed and facts.get("country") not in allowed:
        warnings.append(_w(PHONE_COUNTRY_NOT_ALLOWED, Severity.error))
    if expected_phone:
        from shared.contact.phone_facts import phone_facts

        exp = phone_facts(expected_phone, facts.get("country"))
        if exp.e164 != state.target:
            warnings.append(_w(PHONE_MISMATCH))
    return _verified("phone", state, warnings)
