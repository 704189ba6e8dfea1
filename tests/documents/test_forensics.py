"""Visual fraud cues on small samples: forgeries made by `tests/documents/forgeries.py`
(code separate from the detector) trip them, genuine documents of both generators do not,
and every cue reports its evidence."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

from shared.documents import codes, forensics
from shared.documents.check import run_id_document
from shared.documents.detect import detect_document
from shared.documents.params import IdDocumentParams
from shared.documents.portrait import find_portrait
from tests.documents import forgeries
from tests.documents import generator as g1
from tests.documents import generator2 as g2


def _fired(data: bytes) -> set[str]:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    doc = detect_document(img).document
    return {f.code for f in forensics.examine(doc, find_portrait(doc)) if f.fired}


@pytest.mark.parametrize(
    ("kind", "seed", "code"),
    [
        ("screen", 1, codes.SCREEN_RECAPTURE_SUSPECTED),
        ("screen", 2, codes.SCREEN_RECAPTURE_SUSPECTED),
        ("photocopy", 3, codes.PHOTOCOPY_SUSPECTED),
    ],
)
def test_forgeries_trip_their_cue(kind: str, seed: int, code: str) -> None:
    data, _ = forgeries.make_forgery(kind, seed)
    assert code in _fired(data)


@pytest.mark.parametrize(
    "sample",
    [
        lambda: g1.make_sample("td3", "clean", 11).front,
        lambda: g1.make_sample("td1", "jpeg", 12).front,
        lambda: g2.sample_at(0, seed=99).front,
        lambda: g2.sample_at(9, seed=99).front,
    ],
)
def test_genuine_documents_trip_no_cue(sample) -> None:
    assert _fired(sample()) == set()


def test_grey_page_is_a_photocopy_and_the_result_carries_the_evidence() -> None:
    s = g1.make_sample("td3", "clean", 21)
    img = cv2.imdecode(np.frombuffer(s.front, np.uint8), cv2.IMREAD_COLOR)
    grey = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    ok, buf = cv2.imencode(".jpg", grey)

    class Ctx:
        def today(self) -> date:
            return date(2026, 1, 1)

    r = run_id_document(buf.tobytes(), None, IdDocumentParams(check_viz=False), Ctx())
    assert codes.PHOTOCOPY_SUSPECTED in r.warning_codes()
    cues = {c["code"]: c for c in r.data["forensics"]["cues"]}
    assert set(cues) >= {codes.PHOTOCOPY_SUSPECTED, codes.SCREEN_RECAPTURE_SUSPECTED}
    assert cues[codes.PHOTOCOPY_SUSPECTED]["fired"]
    assert "colourfulness" in cues[codes.PHOTOCOPY_SUSPECTED]["evidence"]
    assert not cues[codes.SCREEN_RECAPTURE_SUSPECTED]["fired"]
