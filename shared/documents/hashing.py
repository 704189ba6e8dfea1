"""Document number fingerprints for blocklist and duplicate look-ups.

The platform never needs the plain number: lookups use
HMAC-SHA256(key, issuing_country | type class | number), normalised (upper case, only A-Z
and 0-9, MRZ `<` removed). The key comes from `IDMESH_DOCUMENT_HASH_KEY` (hex or text);
without it a plain SHA-256 is used (still stable, weaker against guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re


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


def document_hash(issuing_country: str, document_type: str, number: str) -> str:
    msg = f"{_norm(issuing_country)}|{type_class(document_type)}|{_norm(number)}".encode()
    key = os.environ.get("IDMESH_DOCUMENT_HASH_KEY", "")
    if key:
        return "hmac-sha256:" + hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(msg).hexdigest()


def number_only_hash(number: str) -> str:
    """Fingerprint of the number alone, for blocklist entries given without country/type."""
    msg = f"*|*|{_norm(number)}".encode()
    key = os.environ.get("IDMESH_DOCUMENT_HASH_KEY", "")
    if key:
        return "hmac-sha256:" + hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(msg).hexdigest()
