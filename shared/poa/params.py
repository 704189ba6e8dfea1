"""Workflow step parameters and the tenant-side context of the proof_of_address check."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class DocType(StrEnum):
    utility = "utility"  # electricity, gas, water, heating
    bank = "bank"  # bank account statement
    card = "card"  # credit/debit card statement
    tax = "tax"  # tax or other government letter
    telecom = "telecom"  # mobile, landline, broadband, TV
    insurance = "insurance"  # insurance policy or premium notice
    other = "other"


class ProofOfAddressParams(BaseModel):
    """Parameters of the `proof_of_address` workflow step (all optional)."""

    model_config = ConfigDict(extra="forbid")

    accepted_types: list[DocType] = Field(
        default_factory=lambda: [t for t in DocType if t != DocType.other]
    )
    max_age_months: int = Field(default=3, ge=0, le=120)
    max_age_months_by_type: dict[DocType, int] = Field(default_factory=dict)
    future_tolerance_days: int = Field(default=1, ge=0, le=31)
    require_name_match: bool = True
    name_threshold: float = Field(default=0.82, ge=0.0, le=1.0)
    require_address_match: bool = True
    address_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    known_issuers: list[str] = Field(default_factory=list)
    fail_on_unknown_issuer: bool = False
    tamper_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    compare_render_with_ocr: bool = True
    country_hint: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    max_pages: int = Field(default=10, ge=1, le=10)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=10 * 1024 * 1024)

    def max_age_for(self, doc_type: DocType) -> int:
        return self.max_age_months_by_type.get(doc_type, self.max_age_months)


@runtime_checkable
class PoaContext(Protocol):
    """Lookups the platform provides; the CLI passes None (then `date.today()` is used and
    the name rule needs an explicit expected name)."""

    def today(self) -> date: ...

    def document_name(self) -> str | None:
        """The holder name read from the session's id_document check, if any."""
        ...
