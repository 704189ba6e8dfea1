"""What can be known about an email address without sending anything."""

from __future__ import annotations

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel

ROLE_LOCAL_PARTS = {
    "admin",
    "info",
    "support",
    "sales",
    "contact",
    "noreply",
    "no-reply",
    "postmaster",
    "abuse",
    "webmaster",
    "hostmaster",
    "billing",
    "office",
}


class EmailFacts(BaseModel):
    valid: bool
    normalized: str | None = None
    domain: str | None = None
    disposable: bool = False
    role_account: bool = False
    reason: str | None = None


def email_facts(address: str, check_deliverability: bool = False) -> EmailFacts:
    try:
        v = validate_email(address, check_deliverability=check_deliverability)
    except EmailNotValidError as exc:
        return EmailFacts(valid=False, reason=str(exc))
    domain = v.ascii_domain.lower()
    parts = domain.split(".")
    disposable = any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))
    return EmailFacts(
        valid=True,
        normalized=v.normalized,
        domain=domain,
        disposable=disposable,
        role_account=v.local_part.lower() in ROLE_LOCAL_PARTS,
    )
