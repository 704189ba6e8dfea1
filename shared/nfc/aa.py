"""Active Authentication (ICAO 9303 Part 11, 6.1): the chip signs the terminal's nonce with
the private key whose public half is in DG15.

RSA keys use ISO/IEC 9796-2 digital signature scheme 1 (message recovery); EC keys use ECDSA
with plain r||s signatures (BSI TR-03111) and the hash named in DG14's ActiveAuthenticationInfo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from asn1crypto import keys
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.nfc import signatures
from shared.nfc.errors import NfcError

# ISO/IEC 10118-3 hash identifiers used in the two-byte trailer (xx CC).
TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_DEFAULT_EC_HASH = {20: "sha1", 28: "sha224", 32: "sha256", 48: "sha384", 66: "sha512"}


NONCE_BYTES = 8  # INTERNAL AUTHENTICATE challenge length used by ICAO 9303 terminals


def new_nonce() -> bytes:
    """A fresh AA challenge; the platform stores it for the session and spends it once."""
    return secrets.token_bytes(NONCE_BYTES)


@dataclass
class AaOutcome:
    ok: bool
    scheme: str
    hash_algorithm: str | None
    detail: str


def recover_iso9796_2(signature: bytes, key: rsa.RSAPublicKey) -> bytes:
    """s^e mod n, as the big-endian message representative (no padding removed)."""
    numbers = key.public_numbers()
    s = int.from_bytes(signature, "big")
    if s >= numbers.n:
        raise ValueError("signature representative not smaller than the modulus")
    m = pow(s, numbers.e, numbers.n)
    return m.to_bytes((m.bit_length() + 7) // 8, "big")


def verify_iso9796_2_scheme1(
    signature: bytes, key: rsa.RSAPublicKey, m2: bytes, implicit_hash: str = "sha1"
) -> AaOutcome:
    """Scheme 1: F = header || [BB.. BA] || M1 || H(M1 || M2) || trailer.

    Header bits `01`, then `1` for partial recovery; low nibble A (no padding) or B (BB..BA
    padding before M1). Trailer BC means the implicit hash (SHA-1 for ICAO 9303), `xx CC`
    names it (ISO/IEC 10118-3 identifiers).
    """
    scheme = "rsa_iso9796_2_scheme1"
    try:
        f = recover_iso9796_2(signature, key)
    except ValueError as exc:
        return AaOutcome(False, scheme, None, str(exc))
    if len(f) < 3 or f[0] & 0xC0 != 0x40 or f[0] & 0x0F not in (0x0A, 0x0B):
        return AaOutcome(False, scheme, None, "recovered header is not an ISO 9796-2 header")
    partial = bool(f[0] & 0x20)
    if m2 and not partial:
        return AaOutcome(False, scheme, None, "full-recovery header but a non-recovered part")
    start = 1
    if f[0] & 0x0F == 0x0B:
        while start < len(f) and f[start] == 0xBB:
            start += 1
        if start >= len(f) or f[start] != 0xBA:
            return AaOutcome(False, scheme, None, "recovered padding is not BB..BA")
        start += 1
    if f[-1] == 0xBC:
        hash_name, trailer = implicit_hash, 1
    elif f[-1] == 0xCC and f[-2] in TRAILER_HASHES:
        hash_name, trailer = TRAILER_HASHES[f[-2]], 2
    else:
        return AaOutcome(False, scheme, None, "recovered trailer is not BC or a known xx CC")
    hlen = hashlib.new(hash_name).digest_size
    if len(f) - trailer - hlen < start:
        return AaOutcome(False, scheme, hash_name, "recovered message too short")
    m1 = f[start : len(f) - trailer - hlen]
    h = f[len(f) - trailer - hlen : len(f) - trailer]
    ok = hmac.compare_digest(h, hashlib.new(hash_name, m1 + m2).digest())
    return AaOutcome(ok, scheme, hash_name, "signature verified" if ok else "hash mismatch")


def verify_aa(
    dg15_key: keys.PublicKeyInfo, nonce: bytes, signature: bytes, dg14_hash: str | None
) -> AaOutcome:
    try:
        key = signatures.load_key(dg15_key)
    except NfcError as exc:
        return AaOutcome(False, "unknown", None, exc.message)
    if isinstance(key, rsa.RSAPublicKey):
        return verify_iso9796_2_scheme1(signature, key, nonce)
    size = key.order_bytes
    hash_name = dg14_hash or _DEFAULT_EC_HASH.get(size, "sha256")
    scheme = "ecdsa_plain"
    if len(signature) != 2 * size:
        return AaOutcome(False, scheme, hash_name, f"plain signature of {len(signature)} bytes")
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    ok = key.verify(hash_name, nonce, r, s)
    detail = "signature verified" if ok else "signature does not verify"
    if dg14_hash is None:
        detail += f" (no AA info in DG14; {hash_name} assumed from the curve size)"
    return AaOutcome(ok, scheme, hash_name, detail)
