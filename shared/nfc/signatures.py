"""Signature verification for SODs, certificates, CRLs and master lists.

Keys are read with asn1crypto (which also decodes EC keys with explicit domain parameters, as
many passports carry them); the arithmetic is done by `cryptography`, or by `python-ecdsa`
for curves `cryptography` does not know. Every function answers True/False for a signature
and raises `UnsupportedAlgorithm` for algorithms it does not handle.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import ecdsa
import ecdsa.util
from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from shared.nfc.asn1 import EcdsaSigValue
from shared.nfc.errors import MalformedFile, UnsupportedAlgorithm

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# Named curves `cryptography` implements, by OID.
_CRYPTO_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "1.2.840.10045.3.1.1": ec.SECP192R1,
    "1.3.132.0.33": ec.SECP224R1,
    "1.2.840.10045.3.1.7": ec.SECP256R1,
    "1.3.132.0.34": ec.SECP384R1,
    "1.3.132.0.35": ec.SECP521R1,
    "1.3.36.3.3.2.8.1.1.7": ec.BrainpoolP256R1,
    "1.3.36.3.3.2.8.1.1.11": ec.BrainpoolP384R1,
    "1.3.36.3.3.2.8.1.1.13": ec.BrainpoolP512R1,
}


def digest(name: str, data: bytes) -> bytes:
    if name not in HASHES:
        raise UnsupportedAlgorithm(f"hash algorithm {name}")
    return hashlib.new(name, data).digest()


def hash_of(alg: algos.SignedDigestAlgorithm, fallback: str | None = None) -> str:
    """The hash a signature algorithm uses (rsaEncryption / bare ecdsa take `fallback`)."""
    try:
        name = alg.hash_algo
    except ValueError:
        name = fallback
    if name not in HASHES:
        raise UnsupportedAlgorithm(f"hash algorithm {name} of {alg['algorithm'].dotted}")
    return name


class EcKey:
    """An EC public key: a `cryptography` key when possible, else a python-ecdsa one."""

    def __init__(self, spki: keys.PublicKeyInfo) -> None:
        params = spki["algorithm"]["parameters"]
        point = spki["public_key"].native
        self.crypto_key: ec.EllipticCurvePublicKey | None = None
        self.ecdsa_key: ecdsa.VerifyingKey | None = None
        if params.name == "named":
            oid = params.chosen.dotted
            curve = None
            if oid not in _CRYPTO_CURVES:
                try:
                    curve = ecdsa.curves.find_curve(tuple(int(x) for x in oid.split(".")))
                except ecdsa.curves.UnknownCurveError as exc:
                    raise UnsupportedAlgorithm(f"EC curve {oid}") from exc
        elif params.name == "specified":
            try:
                curve = ecdsa.curves.Curve.from_der(params.dump(), valid_encodings=["explicit"])
            except Exception as exc:  # noqa: BLE001 - python-ecdsa raises several types
                raise UnsupportedAlgorithm(f"explicit EC parameters: {exc}") from exc
            oid = ".".join(str(x) for x in curve.oid) if curve.oid else None
            if oid in _CRYPTO_CURVES:
                curve = None  # a well-known curve written out: let cryptography do it
        else:
            raise UnsupportedAlgorithm("implicitly-CA EC parameters")
        name = curve.name if curve is not None else _CRYPTO_CURVES[oid].name
        self.curve_name = name.lower()
        self.explicit = params.name == "specified"
        try:
            if curve is None:
                self.crypto_key = ec.EllipticCurvePublicKey.from_encoded_point(
                    _CRYPTO_CURVES[oid](), point
                )
            else:
                self.ecdsa_key = ecdsa.VerifyingKey.from_string(point, curve=curve)
        except Exception as exc:  # noqa: BLE001 - invalid point encodings
            raise MalformedFile(f"EC public key point is invalid: {exc}") from exc

    @property
    def order_bytes(self) -> int:
        if self.crypto_key is not None:
            return (self.crypto_key.curve.key_size + 7) // 8
        return (self.ecdsa_key.curve.order.bit_length() + 7) // 8

    def verify(self, hash_name: str, message: bytes, r: int, s: int) -> bool:
        if self.crypto_key is not None:
            try:
                self.crypto_key.verify(
                    encode_dss_signature(r, s), message, ec.ECDSA(HASHES[hash_name]())
                )
                return True
            except InvalidSignature:
                return False
        order = self.ecdsa_key.curve.order
        try:
            return self.ecdsa_key.verify_digest(
                ecdsa.util.sigencode_string(r, s, order),
                digest(hash_name, message),
                sigdecode=ecdsa.util.sigdecode_string,
                allow_truncate=True,
            )
        except (ecdsa.BadSignatureError, ecdsa.util.MalformedSignature, ValueError):
            return False


def rsa_key(spki: keys.PublicKeyInfo) -> rsa.RSAPublicKey:
    parsed = spki["public_key"].parsed
    return rsa.RSAPublicNumbers(
        parsed["public_exponent"].native, parsed["modulus"].native
    ).public_key()


@lru_cache(maxsize=256)
def _load_key(spki_der: bytes) -> Any:
    spki = keys.PublicKeyInfo.load(spki_der)
    algo = spki["algorithm"]["algorithm"].native
    if algo in ("rsa", "rsassa_pss"):
        return rsa_key(spki)
    if algo == "ec":
        return EcKey(spki)
    raise UnsupportedAlgorithm(f"public key algorithm {algo}")


def load_key(spki: keys.PublicKeyInfo) -> Any:
    try:
        return _load_key(spki.dump())
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedFile(f"public key cannot be decoded: {exc}") from exc


def _pss_padding(alg: algos.SignedDigestAlgorithm) -> tuple[padding.PSS, str]:
    params = alg["parameters"]
    if not isinstance(params, algos.RSASSAPSSParams):
        # Absent parameters mean the RFC 4055 defaults: SHA-1, MGF1 with SHA-1, salt 20.
        return padding.PSS(mgf=padding.MGF1(HASHES["sha1"]()), salt_length=20), "sha1"
    hash_name = params["hash_algorithm"]["algorithm"].native
    mgf = params["mask_gen_algorithm"]
    if mgf["algorithm"].native != "mgf1":
        raise UnsupportedAlgorithm(f"PSS mask generation {mgf['algorithm'].native}")
    mgf_hash = mgf["parameters"]["algorithm"].native
    if hash_name not in HASHES or mgf_hash not in HASHES:
        raise UnsupportedAlgorithm(f"PSS hash {hash_name}/{mgf_hash}")
    salt = params["salt_length"].native
    return padding.PSS(mgf=padding.MGF1(HASHES[mgf_hash]()), salt_length=salt), hash_name


def verify(
    spki: keys.PublicKeyInfo,
    alg: algos.SignedDigestAlgorithm,
    message: bytes,
    signature: bytes,
    digest_fallback: str | None = None,
) -> bool:
    """Verify an X.509/CMS signature (`signature` as in the structure: DER for ECDSA).

    asn1crypto parses lazily, so damaged algorithm identifiers surface here: they become
    `MalformedFile` / `UnsupportedAlgorithm`, never a bare ValueError.
    """
    try:
        return _verify(spki, alg, message, signature, digest_fallback)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        if "not known" in str(exc):
            raise UnsupportedAlgorithm(str(exc).splitlines()[0]) from exc
        raise MalformedFile(f"signature structure cannot be decoded: {exc}") from exc


def _verify(
    spki: keys.PublicKeyInfo,
    alg: algos.SignedDigestAlgorithm,
    message: bytes,
    signature: bytes,
    digest_fallback: str | None,
) -> bool:
    key = load_key(spki)
    # Some issuers name id-ecPublicKey instead of ecdsa-with-SHAxxx in the SignerInfo; the
    # hash then comes from the SignerInfo's digest algorithm.
    oid = alg["algorithm"].dotted
    sig_algo = "ecdsa" if oid == "1.2.840.10045.2.1" else alg.signature_algo
    if sig_algo in ("rsassa_pkcs1v15", "rsassa_pss"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise UnsupportedAlgorithm(f"{sig_algo} signature with a non-RSA key")
        if sig_algo == "rsassa_pss":
            pad, hash_name = _pss_padding(alg)
        else:
            pad, hash_name = padding.PKCS1v15(), hash_of(alg, digest_fallback)
        try:
            key.verify(signature, message, pad, HASHES[hash_name]())
            return True
        except InvalidSignature:
            return False
    if sig_algo == "ecdsa":
        if not isinstance(key, EcKey):
            raise UnsupportedAlgorithm("ECDSA signature with a non-EC key")
        hash_name = hash_of(alg, digest_fallback)
        try:
            sig = EcdsaSigValue.load(signature, strict=True)
            r, s = sig["r"].native, sig["s"].native
        except (ValueError, TypeError):
            return False
        return key.verify(hash_name, message, r, s)
    raise UnsupportedAlgorithm(f"signature algorithm {alg['algorithm'].dotted}")


def describe(spki: keys.PublicKeyInfo) -> dict[str, Any]:
    """A short, non-sensitive description of a key (algorithm, size or curve)."""
    key = load_key(spki)
    if isinstance(key, rsa.RSAPublicKey):
        return {"type": "rsa", "bits": key.key_size}
    return {"type": "ec", "curve": key.curve_name, "explicit_parameters": key.explicit}
