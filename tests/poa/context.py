"""The context a proof-of-address check runs in, fixed for generated documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FixedContext:
    """`today` is the generator's day (its documents are dated against it); no name from an
    earlier document step unless given."""

    day: date
    name: str | None = None

    def today(self) -> date:
        return self.day

    def document_name(self) -> str | None:
        return self.name
