"""The MRZ filler told from its look-alike letters by shape (`shared.documents.fillers`),
and the name field's end after the secondary identifier (`mrz._name_tail`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from shared.documents.fillers import filler_cells
from shared.documents.mrz import parse_mrz
from tests.documents import generator, generator2

LINES = [
    "P<UTOKOCK<<SKAAR<CECILIA<<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]


def _render(font_path: str, lines: list[str], small: int, blur: int) -> list[np.ndarray]:
    """Each line drawn at 40 px, shrunk to `small` px high (a 480-px capture's MRZ) and
    enlarged again as the reader does, optionally smeared sideways (motion blur)."""
    font = ImageFont.truetype(font_path, 40)
    out = []
    for line in lines:
        w = int(font.getlength(line)) + 40
        im = Image.new("L", (w, 64), 240)
        ImageDraw.Draw(im).text((20, 10), line, font=font, fill=15)
        a = np.asarray(im)
        if blur:
            k = np.full((1, blur), 1.0 / blur, np.float32)
            a = cv2.filter2D(a, -1, k)
        s = small / 64
        a = cv2.resize(a, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        a = cv2.resize(a, (w, 64), interpolation=cv2.INTER_CUBIC)
        out.append(cv2.cvtColor(a, cv2.COLOR_GRAY2BGR))
    return out


FONTS = {"A": generator.ocrb_path(), "B": generator2.font_file("mrz")}


@pytest.mark.parametrize("gen", sorted(FONTS))
@pytest.mark.parametrize(("small", "blur"), [(64, 0), (14, 0), (30, 9)])
def test_fillers_read_as_letters_are_told_by_shape(gen: str, small: int, blur: int) -> None:
    crops = _render(FONTS[gen], LINES, small, blur)
    # the recogniser's reading: some fillers returned as C, K or S, beside names that hold
    # real C, K and S (KOCK, SKAAR, CECILIA); the shape decides C and S (K is not asked:
    # its arms are a `<`), and real letters must stay letters
    misread = "PCUTOKOCKKCSKAAR<CECILIAC<<K<<S<<<C<<CC<<<<<"
    texts = [misread, LINES[1]]
    cand = [j for j, ch in enumerate(misread) if ch in "CS" and (j >= 5 or j == 1)]
    got = filler_cells(crops, texts, 44, cand, 0)
    assert got is not None
    want = {j for j in cand if LINES[0][j] == "<"}
    assert got == want


def test_unmeasurable_line_decides_nothing() -> None:
    blank = [np.full((64, 900, 3), 200, np.uint8)] * 2
    assert filler_cells(blank, ["P<UTOKC" + "<" * 37, LINES[1]], 44, [5, 6], 0) is None


def test_name_ends_at_the_second_double_filler() -> None:
    # ICAO 9303: primary and secondary identifiers are joined by `<<`, the secondary's
    # parts by `<`: a second `<<` ends the name, what follows are fillers
    res = parse_mrz(
        [
            "IDCANLI<<JEAN<LUC<<C<<<C<<<<<<<C<<<<",
            "FAB3V5CDM0CAN9908143M250629657503<<8",
        ],
        fmt="TD2",
    )
    assert res.lines[0] == "IDCANLI<<JEAN<LUC<<<<<<<<<<<<<<<<<<<"
    assert (res.surname, res.given_names) == ("LI", "JEAN LUC")
    # a given name made of other letters after a miscounted joint is left alone
    res = parse_mrz(
        [
            "IDCANLI<<JEAN<<LUC<<<<<<<<<<<<<<<<<<",
            "FAB3V5CDM0CAN9908143M250629657503<<8",
        ],
        fmt="TD2",
    )
    assert res.given_names.replace(" ", "") == "JEANLUC"
