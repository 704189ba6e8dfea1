"""The normalised sanctions-list model shared by every loader, the store and the screener."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EntityType = Literal["person", "company", "organization", "vessel", "aircraft", "unknown"]
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class DateSpec(BaseModel):
    """A date of birth as lists give it: a full date, a month, a year or a year range."""

    model_config = ConfigDict(frozen=True)

    start: str  # YYYY, YYYY-MM or YYYY-MM-DD
    end: str | None = None  # for ranges ("between 1958 and 1962")

    @field_validator("start", "end")
    @classmethod
    def _valid(cls, v: str | None) -> str | None:
        if v is not None and not _DATE_RE.match(v):
            raise ValueError(f"bad date {v!r}")
        return v

    def years(self) -> tuple[int, int]:
        lo = int(self.start[:4])
        hi = int((self.end or self.start)[:4])
        return min(lo, hi), max(lo, hi)


class Identifier(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str = ""  # passport, national_id, imo, ...
    number: str
    country: str | None = None

    @property
    def key(self) -> str:
        return normalize_identifier(self.number)


def normalize_identifier(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", number.upper())


class Entity(BaseModel):
    """One listed person, company, vessel..., with every name it is listed under."""

    model_config = ConfigDict(extra="forbid")

    id: str  # stable within the list: "<list>:<source id>"
    list: str
    type: EntityType = "unknown"
    name: str
    aliases: list[str] = Field(default_factory=list)
    weak_aliases: list[str] = Field(default_factory=list)  # "low quality" a.k.a.
    dates_of_birth: list[DateSpec] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)  # ISO 3166-1 alpha-2, upper case
    identifiers: list[Identifier] = Field(default_factory=list)
    programmes: list[str] = Field(default_factory=list)
    listed_on: str | None = None
    source_id: str = ""

    def all_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for n in [self.name, *self.aliases, *self.weak_aliases]:
            n = " ".join(n.split())
            if n and n.lower() not in {k.lower() for k in seen}:
                seen[n] = None
        return list(seen)

    def content_hash(self) -> str:
        """Hash of what screening depends on; equal hashes mean 'unchanged' between versions."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


class ListVersion(BaseModel):
    """One load of one list: provenance and counts."""

    id: str  # "<list>@<published or load time>-<hash prefix>"
    list: str
    source: str  # file path or URL it came from
    format: str
    published: str | None = None  # publication date the file itself states
    sha256: str
    loaded_at: str
    entity_count: int = 0
    alias_count: int = 0


class ListDiff(BaseModel):
    """What changed in a list between two versions (removals never create hits)."""

    list: str
    old_version: str | None
    new_version: str
    added: list[Entity] = Field(default_factory=list)
    changed: list[Entity] = Field(default_factory=list)
    removed_ids: list[str] = Field(default_factory=list)
