"""BER-TLV and the DG1 MRZ splitter, with ICAO 9303 specimen values."""

from __future__ import annotations

import hashlib

import pytest

from shared.nfc import tlv
from shared.nfc.errors import MalformedFile, NfcError, TruncatedFile
from shared.nfc.mrz import check_digit, parse_mrz

# ICAO 9303 Part 3/4/5 specimen MRZs (Utopia, ERIKSSON ANNA MARIA).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"


def test_tlv_multibyte_tags_and_long_lengths():
    inner = tlv.encode(0x5F1F, b"A" * 300)
    outer = tlv.encode(0x61, inner)
    assert outer[:4] == b"\x61\x82\x01\x31"  # 2 + 3 + 300 bytes
    item = tlv.parse_file(outer, 0x61)
    child = item.require(0x5F1F)
    assert child.value == b"A" * 300 and not child.constructed and item.constructed
    assert item.raw == outer


@pytest.mark.parametrize(
    "data,exc",
    [
        (b"", TruncatedFile),
        (b"\x61", TruncatedFile),
        (b"\x61\x05\x01\x02", TruncatedFile),
        (b"\x61\x82\x01", TruncatedFile),
        (b"\x61\x80\x00\x00", MalformedFile),  # indefinite length
        (b"\x61\x89" + b"\x01" * 9, MalformedFile),  # absurd length field
        (b"\x61\x01\x00\x42", MalformedFile),  # junk after the outer TLV
        (b"\x62\x01\x00", MalformedFile),  # wrong outer tag
    ],
)
def test_tlv_errors_have_codes(data, exc):
    with pytest.raises(exc) as info:
        tlv.parse_file(data, 0x61)
    assert info.value.code in ("NFC_TRUNCATED_FILE", "NFC_MALFORMED_FILE")


def test_tlv_padding_after_file_is_tolerated():
    assert tlv.parse_file(b"\x61\x01\x00\x00\x00\xff", 0x61).value == b"\x00"


def test_icao_check_digit_examples():
    # ICAO 9303 Part 3, 4.9: worked examples of the 7-3-1 check digit.
    assert check_digit("520727") == "3"
    assert check_digit("AB2134<<<") == "5"


def test_icao_part11_bac_mrz_information():
    # ICAO 9303 Part 11, Appendix D worked example: document number L898902C<, date of birth
    # 690806, expiry 940623 give MRZ_information "L898902C<369080619406236", whose SHA-1
    # starts with Kseed 239AB9CB282DAF66231DC5A4DF6BFBAE.
    info = "".join(f + check_digit(f) for f in ("L898902C<", "690806", "940623"))
    assert info == "L898902C<369080619406236"
    kseed = hashlib.sha1(info.encode()).digest()[:16]
    assert kseed.hex().upper() == "239AB9CB282DAF66231DC5A4DF6BFBAE"


@pytest.mark.parametrize("mrz,fmt", [(TD3, "TD3"), (TD1, "TD1"), (TD2, "TD2")])
def test_icao_specimens_split(mrz, fmt):
    out = parse_mrz(mrz)
    assert out["format"] == fmt and out["checks_valid"], out["checks"]
    assert out["surname"] == "ERIKSSON" and out["given_names"] == "ANNA MARIA"
    assert out["issuing_country"] == "UTO" and out["sex"] == "F"
    assert out["date_of_birth"] == "1974-08-12" and out["expiry_date"] == "2012-04-15"
    assert out["document_number"] == ("L898902C3" if fmt == "TD3" else "D23145890")


def test_bad_check_digit_is_reported():
    bad = TD3[:44] + "L898902C37" + TD3[54:]
    out = parse_mrz(bad)
    assert out["checks"]["document_number"] is False and not out["checks_valid"]


def test_td1_long_document_number():
    number = "D23145890123"  # 12 characters: 9 in the field, the rest + check in optional data
    l1 = ("I<UTO" + number[:9] + "<" + number[9:] + check_digit(number)).ljust(30, "<")
    l2 = "7408122F1204159UTO<<<<<<<<<<<"
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    out = parse_mrz(l1 + l2 + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
    assert out["document_number"] == number and out["checks_valid"]


@pytest.mark.parametrize("mrz", ["P<UTO", TD3.lower(), TD3[:-1] + "!"])
def test_malformed_mrz(mrz):
    with pytest.raises(NfcError):
        parse_mrz(mrz)
