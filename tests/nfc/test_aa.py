"""Active Authentication primitives, with published ISO/IEC 9796-2 known-answer vectors.

Vectors (public test data, quoted as facts) from Bouncy Castle's `ISO9796Test` (MIT):
- "Test 5": the ISO/IEC 9796-2 (edition 1) example of scheme 1 with partial recovery,
  RIPEMD-160 and the implicit trailer BC, public exponent 3;
- "Test 13": a chip's INTERNAL AUTHENTICATE response (1024-bit key, e = 65537) to an
  all-zero 8-byte challenge, SHA-1 with trailer BC, exactly the ICAO 9303 AA format.
"""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shared.nfc.aa import new_nonce, recover_iso9796_2, verify_aa, verify_iso9796_2_scheme1
from tests.nfc import generator as g

IA_MODULUS = int(
    "CDCBDABBF93BE8E8294E32B055256BBD0397735189BF75816341BB0D488D05D627991221DF7D59835C76A4BB48"
    "08ADEEB779E7794504E956ADC2A661B46904CDC71337DD29DDDD454124EF79CFDD7BC2C21952573CEFBA485CC3"
    "8C6BD2428809B5A31A898A6B5648CAA4ED678D9743B589134B7187478996300EDBA16271A861",
    16,
)
IA_SIGNATURE = bytes.fromhex(
    "482E20D1EDDED34359C38F5E7C01203F9D6B2641CDCA5C404D49ADAEDE034C7481D781D043722587761C9046"
    "8DE69C6585A1E8B9C322F90E1B580EEDAB3F6007D0C366CF92B4DB8B41C8314929DCE2BE889C0129123484D2"
    "FD3D12763D2EBFD12AC8E51D7061AFCA1A53DEDEC7B9A617472A78C952CCC72467AE008E5F132994"
)
ISO_MODULUS = int(
    "ffffffff78f6c55506c59785e871211ee120b0b5dd644aa796d82413a47b24573f1be5745b5cd9950f6b389b52"
    "350d4e01e90009669a8720bf265a2865994190a661dea3c7828e2e7ca1b19651adc2d5",
    16,
)
ISO_MESSAGE = bytes.fromhex("fedcba9876543210" * 14)
ISO_SIGNATURE = bytes.fromhex(
    "5cf9a01854dbacaec83aae8efc563d74538192e95466babacd361d7c86000fe42dcb4581e48e4feb862d0469"
    "8da9203b1803b262105104d510b365ee9c660857ba1c001aa57abfd1c8de92e47c275cae"
)


def test_internal_authenticate_vector():
    key = rsa.RSAPublicNumbers(65537, IA_MODULUS).public_key()
    challenge = bytes(8)
    out = verify_iso9796_2_scheme1(IA_SIGNATURE, key, challenge)
    assert out.ok and out.hash_algorithm == "sha1"
    assert recover_iso9796_2(IA_SIGNATURE, key)[0] == 0x6A
    assert not verify_iso9796_2_scheme1(IA_SIGNATURE, key, bytes(7) + b"\x01").ok
    flipped = IA_SIGNATURE[:-1] + bytes([IA_SIGNATURE[-1] ^ 1])
    assert not verify_iso9796_2_scheme1(flipped, key, challenge).ok


def test_iso9796_2_edition1_example_ripemd160():
    if "ripemd160" not in hashlib.algorithms_available:
        pytest.skip("OpenSSL without RIPEMD-160")
    key = rsa.RSAPublicNumbers(3, ISO_MODULUS).public_key()
    m1_len = 80 - 1 - 20 - 1  # 640-bit block: header, M1, RIPEMD-160 hash, trailer BC
    m2 = ISO_MESSAGE[m1_len:]
    out = verify_iso9796_2_scheme1(ISO_SIGNATURE, key, m2, implicit_hash="ripemd160")
    assert out.ok
    assert recover_iso9796_2(ISO_SIGNATURE, key)[1 : 1 + m1_len] == ISO_MESSAGE[:m1_len]
    assert not verify_iso9796_2_scheme1(ISO_SIGNATURE, key, m2[:-1], "ripemd160").ok


def _raw_sign(key: rsa.RSAPrivateKey, f: bytes) -> bytes:
    n = key.private_numbers()
    k = (n.public_numbers.n.bit_length() + 7) // 8
    return pow(int.from_bytes(f, "big"), n.d, n.public_numbers.n).to_bytes(k, "big")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 1024)


def test_padded_and_sha256_formats(rsa_key):
    nonce = new_nonce()
    assert len(nonce) == 8 and nonce != new_nonce()
    m1 = os.urandom(40)
    h = hashlib.sha256(m1 + nonce).digest()
    pad = b"\xbb" * (128 - 1 - 1 - 40 - 32 - 2)
    f = b"\x6b" + pad + b"\xba" + m1 + h + b"\x34\xcc"
    out = verify_iso9796_2_scheme1(_raw_sign(rsa_key, f), rsa_key.public_key(), nonce)
    assert out.ok and out.hash_algorithm == "sha256"
    # broken padding terminator, unknown trailer, full-recovery header with a nonce
    for bad in (
        b"\x6b" + pad + b"\xbb" + m1 + h + b"\x34\xcc",
        b"\x6b" + pad + b"\xba" + m1 + h + b"\x99\xcc",
        b"\x4b" + pad + b"\xba" + m1 + h + b"\x34\xcc",
    ):
        assert not verify_iso9796_2_scheme1(_raw_sign(rsa_key, bad), rsa_key.public_key(), nonce).ok


def test_signature_not_below_modulus_is_rejected(rsa_key):
    n = rsa_key.public_key().public_numbers().n
    out = verify_iso9796_2_scheme1(n.to_bytes(128, "big"), rsa_key.public_key(), bytes(8))
    assert not out.ok


def test_ecdsa_plain_signatures():
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    spki = g._spki(key.public_key(), explicit=True)
    nonce = new_nonce()
    sig = g.aa_sign(key, nonce, "ec")
    assert len(sig) == 64
    assert verify_aa(spki, nonce, sig, "sha256").ok
    assert not verify_aa(spki, nonce, sig, "sha384").ok
    assert not verify_aa(spki, bytes(8), sig, "sha256").ok
    assert not verify_aa(spki, nonce, sig[:-1], "sha256").ok
    # without DG14's AA info the hash follows the curve size (SHA-256 for 256 bits)
    out = verify_aa(spki, nonce, sig, None)
    assert out.ok and "assumed" in out.detail
