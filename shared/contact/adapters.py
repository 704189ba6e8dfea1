"""The email and phone checks as workflow steps (adapters for the check runner)."""

from __future__ import annotations

from shared.checks.result import CheckResult
from shared.contact.checks import EmailParams, PhoneParams, run_email, run_phone
from shared.contact.otp import latest_state
from shared.sessions.check_inputs import CheckInputs


def email_step(inputs: CheckInputs) -> CheckResult:
    params = EmailParams.model_validate(inputs.params)
    state = latest_state(inputs.conn, inputs.cipher, str(inputs.session.id), "email")
    expected = inputs.expected.email if inputs.expected else None
    return run_email(state, params, expected)


def phone_step(inputs: CheckInputs) -> CheckResult:
    params = PhoneParams.model_validate(inputs.params)
    state = latest_state(inputs.conn, inputs.cipher, str(inputs.session.id), "phone")
    expected = inputs.expected.phone if inputs.expected else None
    return run_phone(state, params, expected)
