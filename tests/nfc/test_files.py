"""Parsing the LDS files of generated chips, and robustness against damaged files."""

from __future__ import annotations

import contextlib
import io
import random

import pytest
from PIL import Image

from shared.nfc import lds
from shared.nfc.check import NfcParams, dg2_face_jpeg, run_nfc
from shared.nfc.dg2 import decode_image, parse_dg2
from shared.nfc.errors import NfcError
from shared.nfc.sod import parse_sod
from tests.nfc import generator as g


def test_file_names_are_normalized():
    assert lds.normalize_name("EF.COM") == "COM"
    assert lds.normalize_name("ef.sod") == "SOD"
    assert lds.normalize_name("DG1") == "DG1"
    assert lds.normalize_name("dg15.bin") == "DG15"
    assert lds.normalize_name("nfc_dg2") == "DG2"
    assert lds.normalize_name("EF.DG11") == "DG11"
    assert lds.normalize_name("DG17") is None
    assert lds.normalize_name("selfie.jpg") is None


def test_ef_com(rsa_chip):
    com = lds.parse_com(rsa_chip.files["COM"])
    assert com.lds_version == "01.07"
    assert com.data_groups == ["DG1", "DG2", "DG11", "DG12", "DG14", "DG15"]


def test_dg11_dg12(rsa_chip):
    dg11 = lds.parse_dg11(rsa_chip.files["DG11"])
    assert dg11["full_name"] == "MUSTERMANN, ERIKA"
    assert dg11["full_date_of_birth"] == "1984-08-12"
    assert dg11["place_of_birth"] == "BERLIN, DEUTSCHLAND"
    dg12 = lds.parse_dg12(rsa_chip.files["DG12"])
    issued = rsa_chip.spec.expiry.replace(year=rsa_chip.spec.expiry.year - 10).isoformat()
    assert dg12["issuing_authority"] == "STADT KOELN" and dg12["date_of_issue"] == issued


def test_dg14_dg15(ec_chip, rsa_chip):
    dg14 = lds.parse_dg14(ec_chip.files["DG14"])
    assert dg14.aa_signature_hash == "sha256"
    assert "active_authentication" in dg14.protocols and "chip_authentication" in dg14.protocols
    assert lds.parse_dg14(rsa_chip.files["DG14"]).aa_signature_hash is None
    key = lds.parse_dg15(ec_chip.files["DG15"])
    assert key["algorithm"]["parameters"].name == "specified"  # explicit domain parameters
    assert lds.parse_dg15(rsa_chip.files["DG15"])["algorithm"]["algorithm"].native == "rsa"


def test_sod(rsa_chip):
    sod = parse_sod(rsa_chip.files["SOD"])
    assert sod.hash_algorithm == "sha256"
    assert sorted(sod.dg_hashes) == [1, 2, 11, 12, 14, 15]
    assert sod.dsc is not None and sod.dsc.subject.native["country_name"] == "DE"


@pytest.mark.parametrize("kind", ["jpeg", "jpeg2000"])
def test_dg2_face_decodes_and_exports_jpeg(kind):
    data = g.dg2(kind)
    face = parse_dg2(data)[0]
    assert face.image_type == kind and (face.width, face.height) == (240, 320)
    assert decode_image(face).size == (240, 320)
    jpeg = dg2_face_jpeg(data)
    assert jpeg[:3] == b"\xff\xd8\xff"
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG" and img.size == (240, 320)
    # a real face: the astronaut crop is far from a flat image
    assert max(img.convert("L").getextrema()) - min(img.convert("L").getextrema()) > 100


def _dg2_with_broken_image() -> bytes:
    data = bytearray(g.dg2("jpeg"))
    pos = data.find(b"\xff\xd8\xff")
    data[pos + 3 :] = b"\x00" * (len(data) - pos - 3)  # JPEG magic, then nothing decodable
    return bytes(data)


def test_dg2_corrupt_image_is_reported():
    face = parse_dg2(_dg2_with_broken_image())[0]
    with pytest.raises(NfcError) as info:
        decode_image(face)
    assert info.value.code == "NFC_FACE_IMAGE_UNDECODABLE"


def test_signed_but_undecodable_portrait_fails_the_check(rsa_pki):
    chip = g.make_chip(rsa_pki, g.ChipSpec(aa=None))
    files = dict(chip.files, DG2=_dg2_with_broken_image())
    files["SOD"] = g.make_sod(rsa_pki, files, chip.spec)  # the issuer signed the broken DG2
    result = run_nfc(files, NfcParams(), None, chip.store())
    assert result.data["passive_authentication"]["passed"]
    assert result.status.value == "failed"
    assert "NFC_FACE_IMAGE_UNDECODABLE" in result.warning_codes()


PARSERS = {
    "COM": lds.parse_com,
    "DG1": lds.parse_dg1,
    "DG2": parse_dg2,
    "DG11": lds.parse_dg11,
    "DG12": lds.parse_dg12,
    "DG14": lds.parse_dg14,
    "DG15": lds.parse_dg15,
    "SOD": parse_sod,
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_truncated_files_give_codes(rsa_chip, name):
    data = rsa_chip.files[name]
    for cut in sorted({1, 2, 3, len(data) // 3, len(data) // 2, len(data) - 1}):
        with pytest.raises(NfcError) as info:
            PARSERS[name](data[:cut])
        assert info.value.code in ("NFC_TRUNCATED_FILE", "NFC_MALFORMED_FILE")


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_random_damage_never_crashes(rsa_chip, name):
    rng = random.Random(7)
    data = rsa_chip.files[name]
    for _ in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        # a coded NfcError is the expected outcome for damaged input; anything else fails
        with contextlib.suppress(NfcError):
            PARSERS[name](bytes(damaged))


def test_oversized_portrait_is_refused_before_decoding():
    big = Image.new("L", (5000, 4000))  # 20 Mpx of a flat image: a few KB as JPEG
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=10)
    face = parse_dg2(g.dg2("jpeg"))[0]
    face.data = buf.getvalue()
    with pytest.raises(NfcError) as info:
        decode_image(face)
    assert info.value.code == "NFC_FACE_IMAGE_UNDECODABLE"


def test_missing_portrait(rsa_pki):
    chip = g.make_chip(rsa_pki, g.ChipSpec(aa=None))
    files = {k: v for k, v in chip.files.items() if k != "DG2"}
    result = run_nfc(files, NfcParams(), None, chip.store())
    assert result.status.value == "failed" and "NFC_DG2_MISSING" in result.warning_codes()
    relaxed = run_nfc(files, NfcParams(require_face=False), None, chip.store())
    assert relaxed.status.value == "passed"


@pytest.mark.parametrize("kind", ["jpeg", "jpeg2000"])
def test_exported_portrait_holds_one_detectable_face(kind):
    # OpenCV's bundled Haar cascade finds the single face in the exported chip portrait, which
    # is what the face engine will receive from `dg2_face_jpeg`.
    import cv2
    import numpy as np

    jpeg = dg2_face_jpeg(g.dg2(kind))
    gray = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(60, 60))
    assert len(faces) == 1
    x, y, w, h = faces[0]
    assert 60 <= w <= 200 and y < 160  # a portrait: the face fills the upper part
