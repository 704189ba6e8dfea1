"""Bearer secrets (API keys, session tokens): shown once, stored only as SHA-256 hashes.

They carry 256 bits of randomness, so a fast hash is the right tool (unlike passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "idm_"
SESSION_TOKEN_PREFIX = "ist_"


def new_secret(prefix: str) -> tuple[str, str, str]:
    """A new secret: (the secret, its hash, a short display prefix)."""
    token = prefix + secrets.token_urlsafe(32)
    while token.startswith(f"{prefix}test_") and not prefix.endswith("test_"):
        token = prefix + secrets.token_urlsafe(32)  # a live secret never looks like a test one
    return token, secret_hash(token), token[: len(prefix) + 6]


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_hash(pepper: bytes, purpose: str, subject: str, code: str) -> str:
    """HMAC of a short one-time code, bound to what it is for (pepper: the master key)."""
    msg = f"{purpose}\x00{subject}\x00{code}".encode()
    return hmac.new(pepper, msg, hashlib.sha256).hexdigest()


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def codes_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
