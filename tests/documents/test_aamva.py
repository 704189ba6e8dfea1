"""AAMVA PDF417 payloads, versions 1-10, parsed from raw bytes (and through zxing-cpp)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import zxingcpp

from shared.documents.aamva import AamvaError, parse_aamva
from shared.documents.barcode import read_barcodes
from tests.documents.generator import build_aamva, random_identity


@pytest.mark.parametrize("version", range(1, 11))
def test_versions_parse(version):
    ident = random_identity(random.Random(version), "dl")
    rec = parse_aamva(build_aamva(ident, version))
    assert rec.version == version
    assert rec.iin == ident.iin
    assert rec.jurisdiction_version == (None if version == 1 else 0)
    assert rec.document_number == ident.document_number
    assert rec.surname == ident.surname
    assert rec.given_names == ident.given_names
    assert rec.date_of_birth == ident.date_of_birth.isoformat()
    assert rec.expiry_date == ident.expiry_date.isoformat()
    assert rec.sex == ident.sex
    assert rec.address["state"] == ident.state


def test_id_subfile_and_canadian_dates():
    payload = (
        b"@\n\x1e\rANSI 636012080002ID00410090ZO01310008"
        b"IDDAQ123456789\nDCSTREMBLAY\nDACMARIE\nDADNONE\nDBB19800115\nDBA20300115\n"
        b"DBC2\nDCGCAN\r"
        b"ZOZOAX\r"
    )
    rec = parse_aamva(payload)
    assert rec.subfile_type == "ID" and rec.country == "CAN"
    assert rec.date_of_birth == "1980-01-15" and rec.given_names == "MARIE"


def test_bad_offsets_are_tolerated():
    ident = random_identity(random.Random(3), "dl")
    data = bytearray(build_aamva(ident, 9))
    i = data.index(b"DL00")
    data[i + 2 : i + 6] = b"0007"  # wrong offset
    assert parse_aamva(bytes(data)).document_number == ident.document_number


@pytest.mark.parametrize("payload", [b"", b"hello", b"@\n\x1e\rANSI 6360"])
def test_not_aamva(payload):
    with pytest.raises(AamvaError):
        parse_aamva(payload)


def test_pdf417_round_trip_keeps_control_characters():
    ident = random_identity(random.Random(11), "dl")
    payload = build_aamva(ident, 10)
    img = np.asarray(
        zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.PDF417), scale=3
        )
    )
    found = read_barcodes([img])
    assert found and found[0].format == "PDF417" and found[0].raw == payload
    assert parse_aamva(found[0].raw).surname == ident.surname


def test_qr_is_read():
    img = np.asarray(
        zxingcpp.write_barcode_to_image(
            zxingcpp.create_barcode("https://example.org/verify", zxingcpp.BarcodeFormat.QRCode),
            scale=6,
        )
    )
    found = read_barcodes([img])
    assert [b.format for b in found] == ["QR"] and found[0].text == "https://example.org/verify"
