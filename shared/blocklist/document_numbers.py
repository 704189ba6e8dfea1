"""Document number fingerprints for blocklist and duplicate look-ups.

The platform never needs the plain number: lookups use
HMAC-SHA256(key, issuing_country | type class | number), normalised (upper case, only A-Z
and 0-9, MRZ `<` removed). The key comes from `IDMESH_DOCUMENT_HASH_KEY` (hex or text);
without it, a per-installation key is derived from the master key (HMAC-SHA256(master key,
"idmesh document-number fingerprints v1")), so fingerprints are never a plain, guessable
SHA-256 of a number. Fingerprints made before this (prefix `sha256:`) no longer match:
blocklist entries by document number are re-added after upgrading.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from shared.config import Settings
from shared.crypto.keyed import installation_key


def type_class(document_type: str) -> str:
    """P (passport), I (identity card incl. A/C), V (visa), DL (driving licence)."""
    t = (document_type or "").upper()
    if t.startswith("DL") or t == "DRIVING_LICENCE":
        return "DL"
    if t[:1] in ("A", "C", "I"):
        return "I"
    return t[:1] or "X"


def _norm(s: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (s or "").upper())


def _key() -> bytes:
    """IDMESH_DOCUMENT_HASH_KEY when set, else the installation's key for this purpose
    (derived from the master key: shared/crypto/keyed.py)."""
    configured = Settings.current().document_hash_key
    return configured.encode() if configured else installation_key("document-number fingerprints")


def _fingerprint(msg: bytes) -> str:
    return "hmac-sha256:" + hmac.new(_key(), msg, hashlib.sha256).hexdigest()


def document_hash(issuing_country: str, document_type: str, number: str) -> str:
    return _fingerprint(
        f"{_norm(issuing_country)}|{type_class(document_type)}|{_norm(number)}".encode()
    )


def number_only_hash(number: str) -> str:
    """Fingerprint of the number alone, for blocklist entries given without country/type."""
    return _fingerprint(f"*|*|{_norm(number)}".encode())
