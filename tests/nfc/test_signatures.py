"""Signature dispatch: algorithm identifiers seen on real SODs, and unsupported ones."""

from __future__ import annotations

import pytest
from asn1crypto import algos, keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from shared.nfc import signatures
from shared.nfc.errors import NfcError, UnsupportedAlgorithm
from tests.nfc import generator as g


def _alg(oid: str) -> algos.SignedDigestAlgorithm:
    return algos.SignedDigestAlgorithm({"algorithm": oid})


def test_ec_public_key_oid_as_signature_algorithm():
    key = ec.generate_private_key(ec.SECP256R1())
    sig = key.sign(b"lds", ec.ECDSA(hashes.SHA256()))
    spki = g._spki(key.public_key())
    assert signatures.verify(spki, _alg("1.2.840.10045.2.1"), b"lds", sig, "sha256")
    assert not signatures.verify(spki, _alg("1.2.840.10045.2.1"), b"LDS", sig, "sha256")


def test_pss_without_parameters_uses_rfc4055_defaults():
    key = rsa.generate_private_key(65537, 2048)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA1()), salt_length=20)
    sig = key.sign(b"lds", pss, hashes.SHA1())
    spki = g._spki(key.public_key())
    assert signatures.verify(spki, _alg("rsassa_pss"), b"lds", sig)
    assert not signatures.verify(spki, _alg("rsassa_pss"), b"lds!", sig)


def test_rsa_encryption_oid_takes_the_digest_algorithm():
    key = rsa.generate_private_key(65537, 2048)
    sig = key.sign(b"lds", padding.PKCS1v15(), hashes.SHA384())
    spki = g._spki(key.public_key())
    assert signatures.verify(spki, _alg("1.2.840.113549.1.1.1"), b"lds", sig, "sha384")
    assert not signatures.verify(spki, _alg("1.2.840.113549.1.1.1"), b"lds", sig, "sha256")


def test_explicit_and_python_ecdsa_curves_are_described():
    bp = ec.generate_private_key(ec.BrainpoolP256R1())
    assert signatures.describe(g._spki(bp.public_key(), explicit=True)) == {
        "type": "ec",
        "curve": "brainpoolp256r1",
        "explicit_parameters": True,
    }
    other = g.EcdsaLibKey(g.ecdsa.curves.BRAINPOOLP320r1)
    assert signatures.describe(g._spki(other, explicit=True))["curve"] == "brainpoolp320r1"


def test_unsupported_key_and_mismatched_algorithm():
    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    spki = keys.PublicKeyInfo.load(
        ed.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(UnsupportedAlgorithm):
        signatures.verify(spki, _alg("sha256_ecdsa"), b"x", b"y")
    rsa_spki = g._spki(rsa.generate_private_key(65537, 2048).public_key())
    with pytest.raises(NfcError):
        signatures.verify(rsa_spki, _alg("sha256_ecdsa"), b"x", b"y")
    with pytest.raises(UnsupportedAlgorithm):
        signatures.verify(rsa_spki, _alg("1.2.3.4"), b"x", b"y")
