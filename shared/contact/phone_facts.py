"""What can be known about a phone number from its digits (phonenumbers metadata)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType
from pydantic import BaseModel

TYPE_NAMES = {v: k.lower() for k, v in vars(PhoneNumberType).items() if k.isupper()}


class PhoneFacts(BaseModel):
    valid: bool
    e164: str | None = None
    country: str | None = None
    number_type: str | None = None
    reason: str | None = None


def phone_facts(number: str, default_region: str | None = None) -> PhoneFacts:
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException as exc:
        return PhoneFacts(valid=False, reason=str(exc))
    if not phonenumbers.is_valid_number(parsed):
        return PhoneFacts(
            valid=False,
            reason="not a valid number for its region",
            country=phonenumbers.region_code_for_number(parsed),
        )
    return PhoneFacts(
        valid=True,
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        country=phonenumbers.region_code_for_number(parsed),
        number_type=TYPE_NAMES.get(phonenumbers.number_type(parsed), "unknown"),
    )
