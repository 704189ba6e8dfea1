"""Keyed fingerprints for exact-match look-ups of personal values (never a plain hash).

The key is per installation: derived from the master key with HMAC-SHA256 and a label, so
a fingerprint cannot be recomputed from a guessed value without the master key, and
fingerprints made for one purpose never match another's.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from shared.config import Settings


@lru_cache(maxsize=8)
def _installation_key(label: str, master_source: tuple[str, str]) -> bytes:
    from shared.crypto.envelope import load_master_key

    master = load_master_key(Settings.current())
    return hmac.new(master, f"idmesh {label} v1".encode(), hashlib.sha256).digest()


def installation_key(label: str) -> bytes:
    s = Settings.current()
    return _installation_key(label, (s.master_key, str(s.data_dir)))


def fingerprint(label: str, *parts: str) -> str:
    """HMAC-SHA256 with the installation's key for `label` over the parts (hex)."""
    msg = "\x1f".join(parts).encode()
    return hmac.new(installation_key(label), msg, hashlib.sha256).hexdigest()
