"""Synthetic ICAO 9303 test PKIs and chips (no real chip or PKD data is ever used).

CSCA → DSC → CRL, a CMS-signed CSCA master list, and chips with EF.COM, DG1 (TD3 or TD1),
DG2 (ISO 19794-5 with a real face: scikit-image's `astronaut`, JPEG or JPEG 2000), DG11,
DG12, DG14, DG15 (RSA or EC AA key) and an EF.SOD signed with RSA-PSS, RSA PKCS#1 v1.5 or
ECDSA on brainpoolP256r1 (named or explicit domain parameters). Plus negative fixtures.

Certificates are built with asn1crypto (so explicit EC parameters and PSS parameters are
possible) and signed with `cryptography` keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import struct
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import ecdsa
from asn1crypto import algos, cms, core, crl, keys, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from shared.checks.result import CheckResult
from shared.nfc import tlv
from shared.nfc.asn1 import (
    OID_AA_PROTOCOL,
    OID_CSCA_MASTER_LIST,
    OID_LDS_SECURITY_OBJECT,
    CscaMasterList,
    LdsSecurityObject,
    SecurityInfo,
    SecurityInfos,
)
from shared.nfc.check import AaResponse
from shared.nfc.mrz import check_digit
from shared.nfc.trust import MemoryTrustStore

UTC = dt.UTC
# Fixtures are built relative to the day they are generated, so they stay valid over time.
TODAY = dt.datetime.now(UTC).date()
NOW = dt.datetime.combine(TODAY, dt.time(0, 0), UTC)

_HASH = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


# --------------------------------------------------------------------------------- signing
def _alg(kind: str, hash_name: str = "sha256") -> algos.SignedDigestAlgorithm:
    if kind == "rsa_pss":
        salt = hashlib.new(hash_name).digest_size
        return algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": {
                    "hash_algorithm": {"algorithm": hash_name},
                    "mask_gen_algorithm": {
                        "algorithm": "mgf1",
                        "parameters": {"algorithm": hash_name},
                    },
                    "salt_length": salt,
                    "trailer_field": "trailer_field_bc",
                },
            }
        )
    if kind == "rsa":
        return algos.SignedDigestAlgorithm({"algorithm": f"{hash_name}_rsa"})
    return algos.SignedDigestAlgorithm({"algorithm": f"{hash_name}_ecdsa"})


class EcdsaLibKey:
    """An EC key on a curve `cryptography` lacks (e.g. brainpoolP320r1), via python-ecdsa,
    so that the verifier's python-ecdsa path is exercised too."""

    def __init__(self, curve: Any) -> None:
        self.sk = ecdsa.SigningKey.generate(curve=curve)

    def public_key(self) -> EcdsaLibKey:
        return self

    def sign_raw(self, data: bytes, hash_name: str, plain: bool = False) -> bytes:
        enc = ecdsa.util.sigencode_string if plain else ecdsa.util.sigencode_der
        return self.sk.sign_deterministic(data, hashfunc=getattr(hashlib, hash_name), sigencode=enc)


def _sign(key: Any, kind: str, data: bytes, hash_name: str = "sha256") -> bytes:
    if isinstance(key, EcdsaLibKey):
        return key.sign_raw(data, hash_name)
    h = _HASH[hash_name]()
    if kind == "rsa_pss":
        pad = padding.PSS(mgf=padding.MGF1(_HASH[hash_name]()), salt_length=h.digest_size)
        return key.sign(data, pad, h)
    if kind == "rsa":
        return key.sign(data, padding.PKCS1v15(), h)
    return key.sign(data, ec.ECDSA(h))


def _spki(public_key: Any, explicit: bool = False) -> keys.PublicKeyInfo:
    if isinstance(public_key, EcdsaLibKey):
        vk = public_key.sk.get_verifying_key()
        encoding = "explicit" if explicit else "named_curve"
        return keys.PublicKeyInfo.load(vk.to_der(curve_parameters_encoding=encoding))
    if explicit:
        point = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        curve = {
            "brainpoolP256r1": ecdsa.curves.BRAINPOOLP256r1,
            "brainpoolP384r1": ecdsa.curves.BRAINPOOLP384r1,
            "secp256r1": ecdsa.curves.NIST256p,
        }[public_key.curve.name]
        vk = ecdsa.VerifyingKey.from_string(point, curve=curve)
        der = vk.to_der(point_encoding="uncompressed", curve_parameters_encoding="explicit")
        return keys.PublicKeyInfo.load(der)
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return keys.PublicKeyInfo.load(der)


def _sig_kind(key: Any, prefer_pss: bool) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa_pss" if prefer_pss else "rsa"
    return "ecdsa"


def _ski(spki: keys.PublicKeyInfo) -> bytes:
    return hashlib.sha1(spki["public_key"].contents).digest()  # noqa: S324 - RFC 5280 method 1


def build_cert(
    *,
    subject: dict[str, str],
    issuer: x509.Certificate | None,
    issuer_key: Any,
    public_key: Any,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    key_usage: set[str],
    explicit: bool = False,
    prefer_pss: bool = True,
) -> x509.Certificate:
    spki = _spki(public_key, explicit)
    kind = _sig_kind(issuer_key, prefer_pss)
    subject_name = x509.Name.build(subject)
    issuer_name = issuer.subject if issuer is not None else subject_name
    exts = [
        {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _ski(spki)},
    ]
    aki = issuer.key_identifier if issuer is not None else _ski(spki)
    exts.append(
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": aki},
        }
    )
    if ca:
        exts.append(
            {
                "extn_id": "basic_constraints",
                "critical": True,
                "extn_value": {"ca": True, "path_len_constraint": 0},
            }
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _alg(kind),
            "issuer": issuer_name,
            "validity": {
                "not_before": x509.Time({"utc_time": not_before}),
                "not_after": x509.Time({"utc_time": not_after}),
            },
            "subject": subject_name,
            "subject_public_key_info": spki,
            "extensions": exts,
        }
    )
    signature = _sign(issuer_key, kind, tbs.dump())
    return x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": _alg(kind), "signature_value": signature}
    )


def build_crl(
    issuer: x509.Certificate,
    issuer_key: Any,
    revoked: list[int],
    this_update: dt.datetime,
    next_update: dt.datetime,
) -> crl.CertificateList:
    kind = _sig_kind(issuer_key, True)
    entries = [
        {"user_certificate": s, "revocation_date": x509.Time({"utc_time": this_update})}
        for s in revoked
    ]
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": _alg(kind),
            "issuer": issuer.subject,
            "this_update": x509.Time({"utc_time": this_update}),
            "next_update": x509.Time({"utc_time": next_update}),
            "revoked_certificates": entries or None,
            "crl_extensions": [
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": issuer.key_identifier},
                },
                {"extn_id": "crl_number", "critical": False, "extn_value": 1},
            ],
        }
    )
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": _alg(kind),
            "signature": _sign(issuer_key, kind, tbs.dump()),
        }
    )


def signed_data(
    content_type: str,
    content: bytes,
    signer: x509.Certificate,
    signer_key: Any,
    *,
    prefer_pss: bool = True,
    hash_name: str = "sha256",
    bad_digest: bool = False,
    extra_certs: list[x509.Certificate] | None = None,
    sid_by_key_id: bool = False,
    signed_content_type: str | None = None,
) -> bytes:
    kind = _sig_kind(signer_key, prefer_pss)
    digest = hashlib.new(hash_name, content).digest()
    if bad_digest:
        digest = bytes([digest[0] ^ 0x01]) + digest[1:]
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [signed_content_type or content_type]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": NOW})]},
            {"type": "message_digest", "values": [digest]},
        ]
    )
    signature = _sign(signer_key, kind, attrs.dump(), hash_name)
    si = cms.SignerInfo(
        {
            "version": "v3" if sid_by_key_id else "v1",
            "sid": cms.SignerIdentifier(
                {"subject_key_identifier": signer.key_identifier}
                if sid_by_key_id
                else {
                    "issuer_and_serial_number": {
                        "issuer": signer.issuer,
                        "serial_number": signer.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": hash_name},
            "signed_attrs": attrs,
            "signature_algorithm": _alg(kind, hash_name),
            "signature": signature,
        }
    )
    sd = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": hash_name}],
            "encap_content_info": {"content_type": content_type, "content": content},
            "certificates": [signer, *(extra_certs or [])],
            "signer_infos": [si],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


# ------------------------------------------------------------------------------------- PKI
@dataclass
class Pki:
    country: str
    csca_key: Any
    csca: x509.Certificate
    dsc_key: Any
    dsc: x509.Certificate
    crl: crl.CertificateList
    explicit: bool = False

    def store(self, crls: bool = True) -> MemoryTrustStore:
        return MemoryTrustStore([self.csca], [self.crl] if crls else [])


def _key(kind: str) -> Any:
    if kind == "bp320":
        return EcdsaLibKey(ecdsa.curves.BRAINPOOLP320r1)
    if kind == "rsa":
        return rsa.generate_private_key(65537, 2048)
    if kind == "rsa3072":
        return rsa.generate_private_key(65537, 3072)
    return ec.generate_private_key(
        {"bp256": ec.BrainpoolP256R1(), "bp384": ec.BrainpoolP384R1(), "p256": ec.SECP256R1()}[kind]
    )


_SERIAL = iter(range(0x1000, 0x7FFFFFFF))


def _government(country: str, name: str, common_name: str) -> dict[str, str]:
    """The subject of a certificate that the test country's government issues."""
    return {
        "country_name": country,
        "organization_name": f"{name} Government",
        "common_name": common_name,
    }


def make_pki(
    country: str = "DE",
    algo: str = "rsa",  # rsa: RSA-PSS CSCA+DSC · ecdsa: brainpool · ecdsa_explicit
    *,
    dsc_not_before: dt.datetime | None = None,
    dsc_not_after: dt.datetime | None = None,
    revoke_dsc: bool = False,
    name: str = "Test",
    dsc_key_usage: frozenset[str] = frozenset({"digital_signature"}),
) -> Pki:
    ec_mode = algo.startswith("ecdsa")
    explicit = algo.endswith("explicit")
    if algo == "ecdsa_bp320_explicit":
        csca_key, dsc_key = _key("bp320"), _key("bp320")
    else:
        csca_key = _key("bp384" if ec_mode else "rsa3072")
        dsc_key = _key("bp256" if ec_mode else "rsa")
    csca = build_cert(
        subject=_government(country, name, f"CSCA {name} {country}"),
        issuer=None,
        issuer_key=csca_key,
        public_key=csca_key.public_key(),
        serial=next(_SERIAL),
        not_before=NOW - dt.timedelta(days=3 * 365),
        not_after=NOW + dt.timedelta(days=12 * 365),
        ca=True,
        key_usage={"key_cert_sign", "crl_sign"},
        explicit=explicit,
    )
    dsc = build_cert(
        subject=_government(country, name, f"DS {name} {country} 01"),
        issuer=csca,
        issuer_key=csca_key,
        public_key=dsc_key.public_key(),
        serial=next(_SERIAL),
        not_before=dsc_not_before or NOW - dt.timedelta(days=30),
        not_after=dsc_not_after or NOW + dt.timedelta(days=10 * 365),
        ca=False,
        key_usage=set(dsc_key_usage),
        explicit=explicit,
    )
    revoked = [dsc.serial_number] if revoke_dsc else [next(_SERIAL)]
    the_crl = build_crl(
        csca, csca_key, revoked, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=90)
    )
    return Pki(country, csca_key, csca, dsc_key, dsc, the_crl, explicit)


def master_list(pkis: list[Pki], signer_pki: Pki | None = None) -> tuple[bytes, Any]:
    """A CSCA master list signed by a Master List Signer issued by the first PKI's CSCA."""
    signer_pki = signer_pki or pkis[0]
    signer_key = _key("rsa")
    signer = build_cert(
        subject={"country_name": signer_pki.country, "common_name": "Master List Signer"},
        issuer=signer_pki.csca,
        issuer_key=signer_pki.csca_key,
        public_key=signer_key.public_key(),
        serial=next(_SERIAL),
        not_before=NOW - dt.timedelta(days=10),
        not_after=NOW + dt.timedelta(days=365),
        ca=False,
        key_usage={"digital_signature"},
    )
    content = CscaMasterList({"version": 0, "cert_list": [p.csca for p in pkis]}).dump()
    return signed_data(OID_CSCA_MASTER_LIST, content, signer, signer_key), signer_key


# ------------------------------------------------------------------------------------ chip
def _date6(d: dt.date) -> str:
    return d.strftime("%y%m%d")


def td3(
    state: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    dob: dt.date,
    sex: str,
    expiry: dt.date,
    personal: str = "",
) -> str:
    name = (surname.replace(" ", "<") + "<<" + given.replace(" ", "<"))[:39].ljust(39, "<")
    l1 = ("P<" + state.ljust(3, "<") + name)[:44]
    num = number.ljust(9, "<")
    pn = personal.ljust(14, "<")
    l2 = (
        num
        + check_digit(num)
        + nationality.ljust(3, "<")
        + _date6(dob)
        + check_digit(_date6(dob))
        + sex
        + _date6(expiry)
        + check_digit(_date6(expiry))
        + pn
        + check_digit(pn)
    )
    composite = l2[0:10] + l2[13:20] + l2[21:43]
    return l1 + l2 + check_digit(composite)


def td1(
    state: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    dob: dt.date,
    sex: str,
    expiry: dt.date,
) -> str:
    num = number.ljust(9, "<")
    l1 = ("I<" + state.ljust(3, "<") + num + check_digit(num)).ljust(30, "<")
    l2 = (
        _date6(dob)
        + check_digit(_date6(dob))
        + sex
        + _date6(expiry)
        + check_digit(_date6(expiry))
        + nationality.ljust(3, "<")
    ).ljust(29, "<")
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    l3 = (surname.replace(" ", "<") + "<<" + given.replace(" ", "<")).ljust(30, "<")[:30]
    return l1 + l2 + l3


@lru_cache(maxsize=4)
def face_image(kind: str = "jpeg") -> tuple[bytes, int, int]:
    """The astronaut's face (scikit-image sample, public domain NASA photo) as JPEG / JP2."""
    from PIL import Image
    from skimage import data

    crop = data.astronaut()[10:250, 130:310]  # 240 x 180 around the face
    img = Image.fromarray(crop).resize((240, 320))
    buf = io.BytesIO()
    if kind == "jpeg":
        img.save(buf, format="JPEG", quality=85)
    else:
        img.save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[24])
    return buf.getvalue(), img.width, img.height


def dg2(kind: str = "jpeg") -> bytes:
    image, width, height = face_image(kind)
    facial_info = struct.pack(
        ">IHBBB3sH3s3s",
        20 + 12 + len(image),
        0,
        2,
        1,
        1,
        b"\x00\x00\x00",
        0,
        b"\x00\x00\x00",
        b"\x00\x00\x00",
    )
    image_info = struct.pack(">BBHHBBHH", 1, 0 if kind == "jpeg" else 1, width, height, 1, 2, 0, 0)
    record_body = facial_info + image_info + image
    bdb = b"FAC\x00" + b"010\x00" + struct.pack(">IH", 14 + len(record_body), 1) + record_body
    header = tlv.encode(
        0xA1,
        tlv.encode(0x80, b"\x01\x01")
        + tlv.encode(0x81, b"\x02")
        + tlv.encode(0x87, b"\x01\x01")
        + tlv.encode(0x88, b"\x00\x08"),
    )
    bit = tlv.encode(0x7F60, header + tlv.encode(0x5F2E, bdb))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + bit))


def dg14(aa_hash_oid: str | None) -> bytes:
    infos = [
        # a ChipAuthenticationInfo-like entry (protocol id-CA-ECDH-AES-CBC-CMAC-128, version 1)
        SecurityInfo({"protocol": "0.4.0.127.0.7.2.2.3.2.2", "required_data": core.Integer(1)}),
    ]
    if aa_hash_oid:
        infos.append(
            SecurityInfo(
                {
                    "protocol": OID_AA_PROTOCOL,
                    "required_data": core.Integer(1),
                    "optional_data": core.ObjectIdentifier(aa_hash_oid),
                }
            )
        )
    return tlv.encode(0x6E, SecurityInfos(infos).dump())


@dataclass
class ChipSpec:
    # SOD signature: rsa (RSA-PSS) / rsa_pkcs1 / ecdsa / ecdsa_explicit / ecdsa_bp320_explicit
    algo: str = "rsa"
    # AA key: rsa (ISO 9796-2, SHA-1) / rsa_sha256 / ec / ec_explicit (brainpoolP256r1) /
    # ec_bp320 (explicit brainpoolP320r1, verified through python-ecdsa) / None
    aa: str | None = "rsa"
    image: str = "jpeg"  # jpeg / jpeg2000
    td: str = "TD3"
    state: str = "D"
    nationality: str = "D"
    surname: str = "MUSTERMANN"
    given: str = "ERIKA"
    number: str = "C01X00T47"
    dob: dt.date = dt.date(1984, 8, 12)
    sex: str = "F"
    # Always valid when the test runs (a fixed date would start failing the day it passes).
    expiry: dt.date = field(default_factory=lambda: dt.date(dt.date.today().year + 5, 10, 31))
    dg11: bool = True
    dg12: bool = True
    hash_name: str = "sha256"


@dataclass
class Chip:
    files: dict[str, bytes]
    pki: Pki
    spec: ChipSpec
    aa_key: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def aa_response(self, nonce: bytes | None = None, key: Any = None) -> AaResponse:
        nonce = nonce if nonce is not None else os.urandom(8)
        return AaResponse(
            nonce=nonce, signature=aa_sign(key or self.aa_key, nonce, self.spec.aa or "rsa")
        )

    def store(self, crls: bool = True) -> MemoryTrustStore:
        return self.pki.store(crls)


def aa_sign(key: Any, nonce: bytes, aa_kind: str) -> bytes:
    """What the chip computes for INTERNAL AUTHENTICATE."""
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        n = numbers.public_numbers.n
        k = (n.bit_length() + 7) // 8
        hash_name, trailer = (
            ("sha256", b"\x34\xcc") if aa_kind == "rsa_sha256" else ("sha1", b"\xbc")
        )
        hlen = hashlib.new(hash_name).digest_size
        m1 = os.urandom(k - hlen - len(trailer) - 1)
        f = b"\x6a" + m1 + hashlib.new(hash_name, m1 + nonce).digest() + trailer
        c = int.from_bytes(f, "big")  # raw RSA with the CRT, as a chip does
        m1, m2 = pow(c, numbers.dmp1, numbers.p), pow(c, numbers.dmq1, numbers.q)
        m = m2 + (numbers.iqmp * (m1 - m2) % numbers.p) * numbers.q
        return m.to_bytes(k, "big")
    if isinstance(key, EcdsaLibKey):
        return key.sign_raw(nonce, "sha256", plain=True)
    der = key.sign(nonce, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def make_chip(pki: Pki, spec: ChipSpec | None = None, aa_key: Any = None) -> Chip:
    spec = spec or ChipSpec()
    files: dict[str, bytes] = {}
    maker = td3 if spec.td == "TD3" else td1
    mrz = maker(
        spec.state,
        spec.surname,
        spec.given,
        spec.number,
        spec.nationality,
        spec.dob,
        spec.sex,
        spec.expiry,
    )
    files["DG1"] = tlv.encode(0x61, tlv.encode(0x5F1F, mrz.encode("ascii")))
    files["DG2"] = dg2(spec.image)
    if spec.dg11:
        body = (
            tlv.encode(0x5C, b"\x5f\x0e\x5f\x2b\x5f\x11")
            + tlv.encode(0x5F0E, f"{spec.surname}<<{spec.given}".encode())
            + tlv.encode(0x5F2B, spec.dob.strftime("%Y%m%d").encode())
            + tlv.encode(0x5F11, b"BERLIN<DEUTSCHLAND")
        )
        files["DG11"] = tlv.encode(0x6B, body)
    if spec.dg12:
        body = (
            tlv.encode(0x5C, b"\x5f\x19\x5f\x26")
            + tlv.encode(0x5F19, b"STADT KOELN")
            + tlv.encode(
                0x5F26,
                (spec.expiry.replace(year=spec.expiry.year - 10)).strftime("%Y%m%d").encode(),
            )
        )
        files["DG12"] = tlv.encode(0x6C, body)
    if spec.aa:
        if aa_key is None:
            kind = {"ec_bp320": "bp320", "ec": "bp256", "ec_explicit": "bp256"}.get(spec.aa, "rsa")
            aa_key = _key(kind)
        explicit = spec.aa in ("ec_explicit", "ec_bp320")
        files["DG15"] = tlv.encode(0x6F, _spki(aa_key.public_key(), explicit).dump())
        files["DG14"] = dg14("0.4.0.127.0.7.1.1.4.1.3" if spec.aa.startswith("ec") else None)
    else:
        files["DG14"] = dg14(None)
    tags = bytes(
        [0x61, 0x75]
        + [
            {"DG11": 0x6B, "DG12": 0x6C, "DG14": 0x6E, "DG15": 0x6F}[k]
            for k in ("DG11", "DG12", "DG14", "DG15")
            if k in files
        ]
    )
    files["COM"] = tlv.encode(
        0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(0x5F36, b"040000") + tlv.encode(0x5C, tags)
    )
    files["SOD"] = make_sod(pki, files, spec)
    return Chip(files, pki, spec, aa_key)


def make_sod(
    pki: Pki,
    files: dict[str, bytes],
    spec: ChipSpec,
    *,
    bad_digest: bool = False,
    skip: tuple[str, ...] = (),
) -> bytes:
    hashes_ = [
        {
            "data_group_number": int(k[2:]),
            "data_group_hash_value": hashlib.new(spec.hash_name, v).digest(),
        }
        for k, v in sorted(files.items(), key=lambda kv: kv[0])
        if k.startswith("DG") and k not in skip
    ]
    lds = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": spec.hash_name},
            "data_group_hash_values": hashes_,
        }
    ).dump()
    ci = signed_data(
        OID_LDS_SECURITY_OBJECT,
        lds,
        pki.dsc,
        pki.dsc_key,
        prefer_pss=spec.algo != "rsa_pkcs1",
        hash_name=spec.hash_name,
        bad_digest=bad_digest,
    )
    return tlv.encode(0x77, ci)


# ------------------------------------------------------------------------------- contexts
class TestContext:
    """A session-side context: nonces issued once, the photo MRZ, a face matcher."""

    __test__ = False

    def __init__(
        self,
        issued: list[bytes] | None = None,
        mrz: dict | None = None,
        face: CheckResult | None = None,
        today: dt.date = TODAY,
    ) -> None:
        self.issued = set(issued or [])
        self.mrz = mrz
        self.face = face
        self._today = today
        self.faces_seen: list[bytes] = []

    def consume_nonce(self, nonce: bytes) -> bool:
        if nonce in self.issued:
            self.issued.discard(nonce)
            return True
        return False

    def document_mrz(self) -> dict | None:
        return self.mrz

    def face_match(self, dg2_jpeg: bytes) -> CheckResult | None:
        self.faces_seen.append(dg2_jpeg)
        return self.face

    def today(self) -> dt.date:
        return self._today


# ------------------------------------------------------------------------------ fixtures
@lru_cache(maxsize=8)
def cached_pki(algo: str = "rsa", country: str = "DE") -> Pki:
    return make_pki(country, algo)


@dataclass
class Fixture:
    name: str
    files: dict[str, bytes]
    store: Any
    expected: set[str]  # codes that must be reported
    aa: AaResponse | None = None
    ctx: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    expect_status: str = "failed"


def _flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


def negative_fixtures() -> list[Fixture]:
    pki = cached_pki("rsa")
    chip = make_chip(pki)
    ok_ctx = lambda nonce: TestContext([nonce])  # noqa: E731
    out: list[Fixture] = []

    def good_aa() -> tuple[AaResponse, TestContext]:
        resp = chip.aa_response()
        return resp, ok_ctx(resp.nonce)

    # 1. one flipped byte in DG1 (a MRZ letter) and in the DG2 image
    aa, ctx = good_aa()
    files = dict(chip.files, DG1=_flip(chip.files["DG1"], 10))
    out.append(Fixture("flipped_byte_dg1", files, chip.store(), {"NFC_DG_HASH_MISMATCH"}, aa, ctx))
    aa, ctx = good_aa()
    files = dict(chip.files, DG2=_flip(chip.files["DG2"], len(chip.files["DG2"]) - 200))
    out.append(Fixture("flipped_byte_dg2", files, chip.store(), {"NFC_DG_HASH_MISMATCH"}, aa, ctx))
    # 2. a CSCA with the same name but another key
    impostor = make_pki("DE", "rsa")
    aa, ctx = good_aa()
    out.append(Fixture("wrong_csca", chip.files, impostor.store(), {"NFC_CSCA_UNTRUSTED"}, aa, ctx))
    # 3. revoked DSC
    revoked = replace(
        pki,
        crl=build_crl(
            pki.csca,
            pki.csca_key,
            [pki.dsc.serial_number],
            NOW - dt.timedelta(days=1),
            NOW + dt.timedelta(days=30),
        ),
    )
    aa, ctx = good_aa()
    out.append(Fixture("revoked_dsc", chip.files, revoked.store(), {"NFC_DSC_REVOKED"}, aa, ctx))
    # 4. expired DSC
    old = make_pki(
        "DE",
        "rsa",
        dsc_not_before=NOW - dt.timedelta(days=900),
        dsc_not_after=NOW - dt.timedelta(days=10),
    )
    old_chip = make_chip(old, aa_key=chip.aa_key)
    aa = old_chip.aa_response()
    out.append(
        Fixture(
            "expired_dsc", old_chip.files, old.store(), {"NFC_DSC_EXPIRED"}, aa, ok_ctx(aa.nonce)
        )
    )
    # 4b. a DSC certified for key encipherment only
    wrong_usage = make_pki("DE", "rsa", dsc_key_usage=frozenset({"key_encipherment"}))
    wu_chip = make_chip(wrong_usage, aa_key=chip.aa_key)
    aa = wu_chip.aa_response()
    out.append(
        Fixture(
            "dsc_key_usage",
            wu_chip.files,
            wrong_usage.store(),
            {"NFC_DSC_KEY_USAGE_INVALID"},
            aa,
            ok_ctx(aa.nonce),
        )
    )
    # 5. signed message-digest that does not match the LDSSecurityObject
    aa, ctx = good_aa()
    files = dict(chip.files, SOD=make_sod(pki, chip.files, chip.spec, bad_digest=True))
    out.append(
        Fixture("bad_message_digest", files, chip.store(), {"NFC_SOD_DIGEST_MISMATCH"}, aa, ctx)
    )
    # 5b. signed content-type attribute that is not id-icao-ldsSecurityObject
    aa, ctx = good_aa()
    lds = parse_sod_content(chip.files["SOD"])
    ci = signed_data(OID_LDS_SECURITY_OBJECT, lds, pki.dsc, pki.dsc_key, signed_content_type="data")
    out.append(
        Fixture(
            "bad_content_type",
            dict(chip.files, SOD=tlv.encode(0x77, ci)),
            chip.store(),
            {"NFC_SOD_CONTENT_TYPE_INVALID"},
            aa,
            ctx,
        )
    )
    # 6. a flipped bit in the SOD signature
    sod = chip.files["SOD"]
    aa, ctx = good_aa()
    out.append(
        Fixture(
            "sod_signature_flipped",
            dict(chip.files, SOD=_flip(sod, len(sod) - 5)),
            chip.store(),
            {"NFC_SOD_SIGNATURE_INVALID"},
            aa,
            ctx,
        )
    )
    # 7. AA key present but no AA response
    out.append(
        Fixture(
            "missing_aa",
            chip.files,
            chip.store(),
            {"NFC_AA_MISSING", "NFC_CHIP_MAY_BE_CLONED"},
            None,
            TestContext(),
            {"require_aa": True},
        )
    )
    # 8. replayed nonce: the context already spent it
    aa = chip.aa_response()
    out.append(
        Fixture(
            "replayed_nonce",
            chip.files,
            chip.store(),
            {"NFC_AA_NONCE_REPLAYED", "NFC_AA_FAILED"},
            aa,
            TestContext([]),
        )
    )
    # 9. cloned chip: data copied, AA answered by another key
    other = _key("rsa")
    aa = chip.aa_response(key=other)
    out.append(
        Fixture(
            "cloned_chip_wrong_aa_key",
            chip.files,
            chip.store(),
            {"NFC_AA_FAILED", "NFC_CHIP_MAY_BE_CLONED"},
            aa,
            ok_ctx(aa.nonce),
        )
    )
    # 10. DG15 swapped for the attacker's key (hash no longer matches the SOD)
    aa = chip.aa_response(key=other)
    files = dict(chip.files, DG15=tlv.encode(0x6F, _spki(other.public_key()).dump()))
    out.append(
        Fixture(
            "dg15_substituted", files, chip.store(), {"NFC_DG_HASH_MISMATCH"}, aa, ok_ctx(aa.nonce)
        )
    )
    # 11. truncated files
    aa, ctx = good_aa()
    out.append(
        Fixture(
            "truncated_sod",
            dict(chip.files, SOD=sod[: len(sod) // 2]),
            chip.store(),
            {"NFC_TRUNCATED_FILE"},
            aa,
            ctx,
            expect_status="error",
        )
    )
    aa, ctx = good_aa()
    dg2_ = chip.files["DG2"]
    out.append(
        Fixture(
            "truncated_dg2",
            dict(chip.files, DG2=dg2_[: len(dg2_) - 100]),
            chip.store(),
            {"NFC_TRUNCATED_FILE", "NFC_DG_HASH_MISMATCH"},
            aa,
            ctx,
        )
    )
    out.append(
        Fixture(
            "truncated_dg1",
            dict(chip.files, DG1=chip.files["DG1"][:40]),
            chip.store(),
            {"NFC_TRUNCATED_FILE"},
            expect_status="error",
        )
    )
    out.append(
        Fixture(
            "garbage_sod",
            dict(chip.files, SOD=b"\x77\x03\x30\x01\x00"),
            chip.store(),
            {"NFC_MALFORMED_FILE"},
            expect_status="error",
        )
    )
    # 12. a data group the SOD does not cover
    aa, ctx = good_aa()
    files = dict(chip.files, DG3=tlv.encode(0x63, b"\x01\x02"))
    out.append(Fixture("unsigned_dg3", files, chip.store(), {"NFC_DG_NOT_IN_SOD"}, aa, ctx))
    # 13. country: DG1 says FRA, the certificates say DE
    fr_chip = make_chip(pki, ChipSpec(state="FRA", nationality="FRA"), aa_key=chip.aa_key)
    aa = fr_chip.aa_response()
    out.append(
        Fixture(
            "country_mismatch",
            fr_chip.files,
            chip.store(),
            {"NFC_COUNTRY_MISMATCH"},
            aa,
            ok_ctx(aa.nonce),
        )
    )
    # 14. expired document, too young, MRZ differs from the photo
    exp_chip = make_chip(pki, ChipSpec(expiry=TODAY - dt.timedelta(days=30)), aa_key=chip.aa_key)
    aa = exp_chip.aa_response()
    out.append(
        Fixture(
            "document_expired",
            exp_chip.files,
            chip.store(),
            {"NFC_DOCUMENT_EXPIRED"},
            aa,
            ok_ctx(aa.nonce),
        )
    )
    young = make_chip(pki, ChipSpec(dob=TODAY - dt.timedelta(days=16 * 365)), aa_key=chip.aa_key)
    aa = young.aa_response()
    out.append(
        Fixture(
            "minimum_age",
            young.files,
            chip.store(),
            {"MINIMUM_AGE_NOT_MET"},
            aa,
            ok_ctx(aa.nonce),
            {"minimum_age": 18},
        )
    )
    aa = chip.aa_response()
    photo = {"document_number": "C01X00T48", "date_of_birth": "1984-08-12"}
    out.append(
        Fixture(
            "mrz_mismatch",
            chip.files,
            chip.store(),
            {"NFC_MRZ_MISMATCH"},
            aa,
            TestContext([aa.nonce], mrz=photo),
        )
    )
    # 15. no trust store at all
    aa, ctx = good_aa()
    out.append(
        Fixture(
            "empty_trust_store",
            chip.files,
            MemoryTrustStore(),
            {"NFC_CSCA_UNTRUSTED", "NFC_TRUST_STORE_EMPTY"},
            aa,
            ctx,
        )
    )
    return out


def write_sample(out: str, algo: str = "rsa", aa: str = "rsa", image: str = "jpeg") -> None:
    """Write a sample chip folder, its trust files and an AA nonce/signature pair."""
    from pathlib import Path

    from asn1crypto import pem

    root = Path(out)
    pki = make_pki("DE", algo)
    other = make_pki("FR", "ecdsa", name="Other")
    chip = make_chip(pki, ChipSpec(algo=algo, aa=aa, image=image))
    (root / "chip").mkdir(parents=True, exist_ok=True)
    (root / "trust").mkdir(parents=True, exist_ok=True)
    (root / "aa").mkdir(parents=True, exist_ok=True)
    for name, data in chip.files.items():
        fname = f"EF.{name}" if name in ("COM", "SOD") else name
        (root / "chip" / fname).write_bytes(data)
    (root / "trust" / "csca_de.pem").write_bytes(pem.armor("CERTIFICATE", pki.csca.dump()))
    (root / "trust" / "crl_de.crl").write_bytes(pki.crl.dump())
    ml, _ = master_list([pki, other])
    (root / "trust" / "masterlist.ml").write_bytes(ml)
    resp = chip.aa_response()
    (root / "aa" / "nonce.hex").write_text(resp.nonce.hex())
    (root / "aa" / "signature.bin").write_bytes(resp.signature)


def parse_sod_content(sod: bytes) -> bytes:
    """The DER LDSSecurityObject signed in an EF.SOD (to re-sign it differently)."""
    from shared.nfc.sod import parse_sod

    return parse_sod(sod).encapsulated_content


if __name__ == "__main__":
    import sys

    write_sample(sys.argv[1] if len(sys.argv) > 1 else "nfc-sample")
