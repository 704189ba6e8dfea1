"""Parsers of the LDS elementary files: EF.COM, DG1, DG11, DG12, DG14, DG15.

DG2 (face) is in `dg2.py` and EF.SOD in `sod.py`. Each parser raises `NfcError` subclasses
with a stable code on malformed or truncated input and never anything else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core, keys

from shared.nfc import tlv
from shared.nfc.asn1 import (
    ECDSA_PLAIN_HASHES,
    ECDSA_X962_HASHES,
    OID_AA_PROTOCOL,
    PROTOCOL_NAMES,
    SecurityInfos,
)
from shared.nfc.errors import MalformedFile
from shared.nfc.mrz import parse_mrz

# Outer tags of the elementary files (ICAO 9303 Part 10, table of LDS tags).
FILE_TAGS = {
    "COM": 0x60,
    "DG1": 0x61,
    "DG2": 0x75,
    "DG3": 0x63,
    "DG4": 0x76,
    "DG5": 0x65,
    "DG6": 0x66,
    "DG7": 0x67,
    "DG8": 0x68,
    "DG9": 0x69,
    "DG10": 0x6A,
    "DG11": 0x6B,
    "DG12": 0x6C,
    "DG13": 0x6D,
    "DG14": 0x6E,
    "DG15": 0x6F,
    "DG16": 0x70,
    "SOD": 0x77,
}
TAG_TO_NAME = {v: k for k, v in FILE_TAGS.items()}

_NAME_RE = re.compile(r"^(?:EF[._ -]?)?(COM|SOD|DG(?:[1-9]|1[0-6]))(?:\.[A-Z0-9]+)?$")


def normalize_name(name: str) -> str | None:
    """`EF.COM`, `com`, `dg1.bin`, `EF.SOD`, `nfc_dg2` → `COM`, `DG1`, `SOD`...; else None."""
    base = name.rsplit("/", 1)[-1].strip().upper()
    base = base.removeprefix("NFC_").removeprefix("NFC-")
    m = _NAME_RE.match(base)
    return m.group(1) if m else None


@dataclass
class EfCom:
    lds_version: str | None
    unicode_version: str | None
    data_groups: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lds_version": self.lds_version,
            "unicode_version": self.unicode_version,
            "data_groups": self.data_groups,
        }


def parse_com(data: bytes) -> EfCom:
    outer = tlv.parse_file(data, FILE_TAGS["COM"])
    lds = outer.find(0x5F01)
    uni = outer.find(0x5F36)
    tag_list = outer.require(0x5C).value
    groups = [TAG_TO_NAME.get(t, f"0x{t:02X}") for t in tag_list]

    def ver(item: tlv.Tlv | None) -> str | None:
        if item is None:
            return None
        v = item.value.decode("ascii", "replace")
        return ".".join(v[i : i + 2] for i in range(0, len(v), 2))

    return EfCom(ver(lds), ver(uni), groups)


def parse_dg1(data: bytes, today: dt.date | None = None) -> dict[str, Any]:
    outer = tlv.parse_file(data, FILE_TAGS["DG1"])
    raw = outer.require(0x5F1F).value
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedFile("DG1 MRZ is not ASCII") from exc
    return parse_mrz(text, today)


def _text(item: tlv.Tlv) -> str:
    return item.value.decode("utf-8", "replace").strip()


def _yyyymmdd(value: str) -> str | None:
    digits = value.strip()
    if len(digits) == 8 and digits.isdigit():
        try:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        except ValueError:
            return None
    return None


DG11_FIELDS = {
    0x5F0E: "full_name",
    0x5F10: "personal_number",
    0x5F2B: "full_date_of_birth",
    0x5F11: "place_of_birth",
    0x5F42: "permanent_address",
    0x5F12: "telephone",
    0x5F13: "profession",
    0x5F14: "title",
    0x5F15: "personal_summary",
    0x5F17: "other_travel_document_numbers",
    0x5F18: "custody_information",
}
DG12_FIELDS = {
    0x5F19: "issuing_authority",
    0x5F26: "date_of_issue",
    0x5F1B: "endorsements",
    0x5F1C: "tax_exit_requirements",
    0x5F55: "personalization_time",
    0x5F56: "personalization_system_serial",
}


def _text_fields(outer: tlv.Tlv, mapping: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in outer.children():
        if child.tag in mapping:
            out[mapping[child.tag]] = _text(child)
        elif child.tag == 0xA0:  # other names (DG11) / other persons (DG12): list of 5F0F
            names = [_text(c) for c in child.children() if c.tag in (0x5F0F,)]
            out["other_names" if mapping is DG11_FIELDS else "other_persons"] = names
    return out


def _text_file(data: bytes, dg: str, mapping: dict[int, str], date_field: str) -> dict[str, Any]:
    """The text fields of a data group (DG11, DG12), its date as YYYY-MM-DD."""
    out = _text_fields(tlv.parse_file(data, FILE_TAGS[dg]), mapping)
    if date_field in out:
        out[date_field] = _yyyymmdd(out[date_field])
    return out


def parse_dg11(data: bytes) -> dict[str, Any]:
    out = _text_file(data, "DG11", DG11_FIELDS, "full_date_of_birth")
    if "full_name" in out:
        surname, _, given = out["full_name"].partition("<<")
        out["full_name"] = (surname.replace("<", " ") + ", " + given.replace("<", " ")).strip(", ")
    for key in ("place_of_birth", "permanent_address"):
        if key in out:
            out[key] = out[key].replace("<", ", ")
    return out


def parse_dg12(data: bytes) -> dict[str, Any]:
    return _text_file(data, "DG12", DG12_FIELDS, "date_of_issue")


@dataclass
class Dg14:
    protocols: list[str] = field(default_factory=list)
    aa_signature_algorithm: str | None = None  # OID from ActiveAuthenticationInfo
    aa_signature_hash: str | None = None  # for ECDSA AA: the hash of the plain signature


def parse_dg14(data: bytes) -> Dg14:
    outer = tlv.parse_file(data, FILE_TAGS["DG14"])
    try:
        infos = SecurityInfos.load(outer.value, strict=True)
        out = Dg14()
        for info in infos:
            oid = info["protocol"].dotted
            name = next(
                (n for p, n in PROTOCOL_NAMES.items() if f"{oid}.".startswith(f"{p}.")), oid
            )
            out.protocols.append(name)
            if oid == OID_AA_PROTOCOL and info["optional_data"].contents:
                sig_oid = core.ObjectIdentifier.load(info["optional_data"].dump()).dotted
                out.aa_signature_algorithm = sig_oid
                # Unknown OIDs leave the hash open: AA then assumes it from the curve size.
                out.aa_signature_hash = ECDSA_PLAIN_HASHES.get(sig_oid) or ECDSA_X962_HASHES.get(
                    sig_oid
                )
        return out
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedFile(f"DG14 SecurityInfos cannot be decoded: {exc}") from exc


def parse_dg15(data: bytes) -> keys.PublicKeyInfo:
    outer = tlv.parse_file(data, FILE_TAGS["DG15"])
    try:
        spki = keys.PublicKeyInfo.load(outer.value, strict=True)
        _ = spki["algorithm"]["algorithm"].native, spki["public_key"].native
        return spki
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedFile(f"DG15 public key cannot be decoded: {exc}") from exc
