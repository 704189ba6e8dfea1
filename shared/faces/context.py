"""The tenant-side look-ups the face rules need; implemented by the platform on Postgres.

Every method is optional in practice: pass None (the CLI does) and the rules that need it are
skipped and listed in the result's `data.rules_not_evaluated`.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable


@runtime_checkable
class FaceContext(Protocol):
    def search_templates(self, embedding: list[float]) -> list[tuple[str, float]]:
        """Other sessions of the tenant whose face template is close: (session_id, cosine)."""
        ...

    def search_blocklist(self, embedding: list[float]) -> list[tuple[str, float]]:
        """Face blocklist entries of the tenant that are close: (entry_id, cosine)."""
        ...

    def consume_challenge(self, nonce: str) -> bool:
        """Mark an active-liveness challenge answered; False if it already was (atomic)."""
        ...

    def frames_seen_elsewhere(self, frame_hashes: list[str]) -> bool:
        """True if any of these perceptual hashes was stored for another session."""
        ...

    def today(self) -> date:
        """The reference date for ages (the session's date)."""
        ...


def has(ctx: object | None, method: str) -> bool:
    return ctx is not None and callable(getattr(ctx, method, None))
