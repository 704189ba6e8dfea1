"""Property-based fuzzing of every parser of untrusted bytes (issue 13): MRZ text, AAMVA
barcodes, BER-TLV and the ICAO LDS files of an NFC chip, the PDF guard, image input.
Whatever the input, a parser returns or raises its documented domain error: never any
other exception.

Inputs are random bytes/text and mutations (byte flips, inserts, deletes, truncations,
splices) of valid samples from the project's generators, so the fuzzer gets past the first
header check. `IDMESH_FUZZ_PARSER_EXAMPLES` sets the count per parser (150 in the suite;
`./dev bench fuzz` runs many more).
"""

from __future__ import annotations

import io
import os
import random
import struct
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from shared.documents.aamva import AamvaError, parse_aamva
from shared.documents.image_io import ImageInputError
from shared.documents.image_io import decode_image as document_image
from shared.documents.mrz import MrzError, find_mrz_in_text, parse_mrz
from shared.faces.image_io import BadImage
from shared.faces.image_io import decode_image as face_image
from shared.nfc import dg2, lds, sod, tlv
from shared.nfc.errors import NfcError
from shared.poa.image_read import open_image
from shared.poa.pdf_guard import PdfRefused, scan_pdf
from tests.documents import generator as docgen
from tests.nfc import generator as nfcgen
from tests.poa import hostile

EXAMPLES = int(os.environ.get("IDMESH_FUZZ_PARSER_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("IDMESH_FUZZ_RANDOM"),
    suppress_health_check=list(HealthCheck),
    database=None,
)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on corrupt TIFF/EXIF
RAISED: dict[str, int] = {}  # domain errors seen per parser, for the bench's summary
RETURNED: dict[str, int] = {}


def _apply(seed: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(seed)
    for op, pos, value in edits:
        i = pos % (len(data) + 1)
        if op == "set" and data:
            data[i % len(data)] = value
        elif op == "insert":
            data[i:i] = bytes([value]) * (1 + value % 4)
        elif op == "delete":
            del data[i : i + 1 + value % 16]
        elif op == "truncate":
            del data[i:]
        elif op == "splice":  # repeat a slice: lengths and counts stop matching
            data[i:i] = data[i : i + value]
    return bytes(data)


def mutations(seeds: list[bytes], max_random: int = 4096) -> st.SearchStrategy[bytes]:
    edit = st.tuples(
        st.sampled_from(["set", "insert", "delete", "truncate", "splice"]),
        st.integers(0, 1 << 24),
        st.integers(0, 255),
    )
    mutated = st.builds(_apply, st.sampled_from(seeds), st.lists(edit, min_size=1, max_size=6))
    return st.one_of(mutated, mutated, st.binary(max_size=max_random))


def _run(name: str, fn: Callable[[], object], errors: tuple[type[BaseException], ...]) -> None:
    try:
        fn()
    except errors:
        RAISED[name] = RAISED.get(name, 0) + 1
        return
    RETURNED[name] = RETURNED.get(name, 0) + 1


# -- seeds ---------------------------------------------------------------------------------
def _mrz_seeds() -> list[bytes]:
    rng = random.Random(13)
    out = []
    for kind in ("td3", "td1", "td2"):
        try:
            lines = docgen.build_mrz(kind, docgen.random_identity(rng, kind))
        except (KeyError, ValueError):
            continue
        out.append("\n".join(lines).encode())
    return out


def _aamva_seeds() -> list[bytes]:
    rng = random.Random(13)
    return [docgen.build_aamva(docgen.random_identity(rng, "dl"), v) for v in (1, 3, 8, 10)]


@pytest.fixture(scope="module")
def chip_files() -> dict[str, bytes]:
    return nfcgen.make_chip(nfcgen.cached_pki("rsa")).files


def _image_seeds() -> list[bytes]:
    out = []
    img = Image.new("RGB", (48, 40), (120, 30, 200))
    for fmt in ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"):
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        out.append(buf.getvalue())
    return out


def _pdf_seeds() -> list[bytes]:
    return [
        hostile.javascript_pdf(),
        hostile.bomb_pdf(),
        hostile.encrypted_pdf(),
        hostile.truncated_pdf(),
        hostile.too_many_pages_pdf(3),
        hostile.huge_objstm_pdf(),
    ]


MRZ_SEEDS = _mrz_seeds()
AAMVA_SEEDS = _aamva_seeds()
IMAGE_SEEDS = _image_seeds()
PDF_SEEDS = _pdf_seeds()


# -- the properties ------------------------------------------------------------------------
@FUZZ
@given(data=mutations(MRZ_SEEDS, 300), text=st.text(max_size=200))
def test_mrz(data, text):
    for raw in (data.decode("latin-1"), text):
        _run("mrz", lambda raw=raw: parse_mrz(raw), (MrzError,))
        _run("mrz-find", lambda raw=raw: find_mrz_in_text(raw.splitlines()), ())


@FUZZ
@given(data=mutations(AAMVA_SEEDS, 1000))
@example(data=b"@ANSI 6360000801\xb90DLDAQX")  # found by the bench: int('¹0') -> ValueError
def test_aamva(data):
    _run("aamva", lambda: parse_aamva(data), (AamvaError,))


LDS_PARSERS: dict[str, Callable[[bytes], object]] = {
    "COM": lds.parse_com,
    "DG1": lds.parse_dg1,
    "DG2": dg2.parse_dg2,
    "DG11": lds.parse_dg11,
    "DG12": lds.parse_dg12,
    "DG14": lds.parse_dg14,
    "DG15": lds.parse_dg15,
    "SOD": sod.parse_sod,
}


@pytest.mark.parametrize("name", sorted(LDS_PARSERS))
def test_nfc_lds_files(name, chip_files):
    if name not in chip_files:
        pytest.fail(f"the generated chip has no {name}")
    parse = LDS_PARSERS[name]

    @FUZZ
    @given(data=mutations([chip_files[name]], 512))
    def run(data):
        _run(f"nfc-{name}", lambda: parse(data), (NfcError,))
        _run("tlv", lambda: tlv.parse_all(data), (NfcError,))

    run()


@FUZZ
@given(data=mutations(PDF_SEEDS, 2048))
def test_pdf_guard(data):
    _run("pdf-guard", lambda: scan_pdf(data, 10 * 1024 * 1024), (PdfRefused,))


def _bmp_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 40)).save(buf, format="BMP")
    data = bytearray(buf.getvalue())
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


# Found by the bench: a header claiming more pixels than OpenCV's own limit made
# cv2.imdecode raise cv2.error instead of the engine's BadImage.
HUGE_HEADER = _bmp_claiming(50_000, 50_000)


@FUZZ
@given(data=mutations(IMAGE_SEEDS, 1024))
@example(data=HUGE_HEADER)
def test_image_input(data):
    _run("image-faces", lambda: face_image(data), (BadImage,))
    _run("image-documents", lambda: document_image(data), (ImageInputError,))
    _run("image-poa", lambda: open_image(data), (PdfRefused,))
