"""Workflow step parameters and the tenant-side lookups of the `id_document` check."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.documents.quality import QualityThresholds

DocumentType = Literal["passport", "id_card", "driving_licence", "visa", "unknown"]


class IdDocumentParams(BaseModel):
    """Parameters of an `id_document` workflow step (all optional, sensible defaults)."""

    model_config = ConfigDict(extra="forbid")

    accepted_document_types: list[DocumentType] | None = Field(
        default=None, description="None accepts every type"
    )
    accepted_countries: list[str] | None = Field(
        default=None, description="issuing countries as in the MRZ (ICAO codes: D, FRA, UTO...)"
    )
    min_age: int | None = Field(default=None, ge=0, le=130)
    reject_expired: bool = True
    require_mrz: bool = False
    require_portrait: bool = True
    check_viz: bool = True  # OCR the printed fields and compare them with MRZ / barcode
    check_blocklist: bool = True
    check_duplicates: bool = True
    quality: QualityThresholds = Field(default_factory=QualityThresholds)

    @field_validator("accepted_countries")
    @classmethod
    def _upper(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [c.strip().upper().replace("<", "") for c in v]


@runtime_checkable
class DocumentContext(Protocol):
    """What the platform offers the rules (implemented on Postgres with RLS by the platform).

    Document numbers only ever cross this boundary as `hashing.document_hash` fingerprints.
    A context may leave a method out: the rule that needs it is then reported as not
    evaluated.
    """

    def is_blocklisted_document(self, number_hash: str) -> bool: ...

    def sessions_with_document(self, number_hash: str) -> list[str]: ...

    def store_portrait(self, jpeg: bytes) -> str: ...

    def today(self) -> date: ...
