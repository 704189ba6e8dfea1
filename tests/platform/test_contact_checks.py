"""The email and phone checks' verdicts (domain level, no I/O)."""

from __future__ import annotations

from shared.contact.checks import EmailParams, PhoneParams, run_email, run_phone
from shared.contact.email_facts import email_facts
from shared.contact.otp import OtpState
from shared.contact.phone_facts import phone_facts


def _state(target, facts, verified=True, attempts_left=4, expired=False, sends_left=4):
    return OtpState(verified, attempts_left, expired, target, facts, sends_left)


def test_email_facts():
    assert email_facts("Ada@Example.org").normalized == "Ada@example.org"
    assert email_facts("someone@mailinator.com").disposable
    assert email_facts("x@sub.mailinator.com").disposable
    assert email_facts("info@example.org").role_account
    assert not email_facts("not an email").valid


def test_phone_facts():
    us = phone_facts("+1 415-555-2671")
    assert us.valid and us.e164 == "+14155552671" and us.country == "US"
    assert phone_facts("020 7946 0000", "GB").e164 == "+442079460000"
    assert not phone_facts("+1 555").valid
    assert phone_facts("+44 909 8790000").number_type == "premium_rate"


def test_email_verdicts():
    ok = run_email(
        _state("a@example.org", email_facts("a@example.org").model_dump()), EmailParams()
    )
    assert ok.status == "passed" and ok.score == 100
    disp = email_facts("a@mailinator.com").model_dump()
    assert run_email(_state("a@mailinator.com", disp), EmailParams()).status == "failed"
    soft = run_email(_state("a@mailinator.com", disp), EmailParams(block_disposable=False))
    assert soft.status == "warning" and soft.warning_codes() == ["EMAIL_DISPOSABLE"]
    mismatch = run_email(_state("a@example.org", {}), EmailParams(), "b@example.org")
    assert mismatch.warning_codes() == ["EMAIL_MISMATCH"]


def test_waiting_and_exhausted_codes():
    assert run_email(None, EmailParams()).status == "pending"
    locked = _state("a@example.org", {}, verified=False, attempts_left=0)
    # Locked out but a new code may still be sent: still waiting for the user.
    assert run_email(locked, EmailParams()).warning_codes() == ["AWAITING_USER_INPUT"]
    dead = _state("a@example.org", {}, verified=False, attempts_left=0, sends_left=0)
    r = run_email(dead, EmailParams())
    assert r.status == "failed" and r.warning_codes() == ["OTP_ATTEMPTS_EXCEEDED"]
    expired = _state("+14155552671", {}, verified=False, expired=True, sends_left=0)
    assert run_phone(expired, PhoneParams()).warning_codes() == ["OTP_EXPIRED"]


def test_phone_verdicts():
    facts = phone_facts("+14155552671").model_dump()
    assert run_phone(_state("+14155552671", facts), PhoneParams()).status == "passed"
    r = run_phone(_state("+14155552671", facts), PhoneParams(allowed_countries=["GB"]))
    assert r.status == "failed" and r.warning_codes() == ["PHONE_COUNTRY_NOT_ALLOWED"]
    voip = {**facts, "number_type": "voip"}
    assert run_phone(_state("+14155552671", voip), PhoneParams()).status == "failed"
    assert (
        run_phone(_state("+14155552671", voip), PhoneParams(block_voip=False)).status == "warning"
    )
    prem = phone_facts("+44 909 8790000").model_dump()
    assert (
        "PHONE_PREMIUM_RATE"
        in run_phone(_state(prem["e164"] or "", prem), PhoneParams()).warning_codes()
    )
