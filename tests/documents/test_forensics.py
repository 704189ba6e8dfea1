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


def _page_and_face() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    s = g1.make_sample("td3", "clean", 31)
    img = cv2.imdecode(np.frombuffer(s.front, np.uint8), cv2.IMREAD_COLOR)
    doc = detect_document(img).document
    face = find_portrait(doc)
    assert face is not None
    return doc, face


def _portrait_cue(doc: np.ndarray, face: tuple[int, int, int, int]) -> forensics.Finding:
    return next(
        f for f in forensics.examine(doc, face) if f.code == codes.PORTRAIT_SUBSTITUTION_SUSPECTED
    )


def test_noisy_pasted_portrait_trips_the_portrait_cue() -> None:
    doc, (x, y, w, h) = _page_and_face()
    assert not _portrait_cue(doc, (x, y, w, h)).fired
    # the pasted photo covers the face and its surroundings (the face box is the face only)
    y0, y1, x0, x1 = max(0, y - h // 3), y + h + h // 3, max(0, x - w // 3), x + w + w // 3
    forged = doc.astype(np.float32)
    forged[y0:y1, x0:x1] += np.random.default_rng(1).normal(0, 12, forged[y0:y1, x0:x1].shape)
    cue = _portrait_cue(np.clip(forged, 0, 255).astype(np.uint8), (x, y, w, h))
    assert cue.fired, cue.evidence


def test_page_noisier_than_its_portrait_is_no_substitution() -> None:
    doc, (x, y, w, h) = _page_and_face()
    noisy = doc.astype(np.float32) + np.random.default_rng(2).normal(0, 12, doc.shape)
    y0, y1, x0, x1 = max(0, y - h // 3), y + h + h // 3, max(0, x - w // 3), x + w + w // 3
    noisy[y0:y1, x0:x1] = doc[y0:y1, x0:x1]
    cue = _portrait_cue(np.clip(noisy, 0, 255).astype(np.uint8), (x, y, w, h))
    assert not cue.fired, cue.evidence


def test_softened_pasted_portrait_trips_the_portrait_cue() -> None:
    # a photo from another camera/printer, softer than the page, pasted with a hard edge:
    # no extra noise (the noise measure alone misses it), but its edges are soft
    doc, (x, y, w, h) = _page_and_face()
    y0, y1, x0, x1 = max(0, y - h // 3), y + h + h // 3, max(0, x - w // 3), x + w + w // 3
    forged = doc.copy()
    forged[y0:y1, x0:x1] = cv2.GaussianBlur(doc[y0:y1, x0:x1], (0, 0), 2.5)
    cue = _portrait_cue(forged, (x, y, w, h))
    assert cue.fired, cue.evidence
    assert "edge sharpness" in cue.evidence


def test_grey_page_with_a_colour_cast_is_a_photocopy() -> None:
    # toner and paper tint a copy, a camera's white balance tints it again: one global cast
    doc, _ = _page_and_face()
    grey = cv2.cvtColor(doc, cv2.COLOR_BGR2GRAY).astype(np.float32)
    tinted = np.stack([grey * 0.86, grey * 0.95, grey], -1).clip(0, 255).astype(np.uint8)
    found = {f.code: f for f in forensics.examine(tinted, None)}
    assert found[codes.PHOTOCOPY_SUSPECTED].fired, found[codes.PHOTOCOPY_SUSPECTED].evidence
    assert "chroma spread" in found[codes.PHOTOCOPY_SUSPECTED].evidence
    assert not found[codes.SCREEN_RECAPTURE_SUSPECTED].fired


def test_a_photocopy_is_not_called_a_portrait_substitution() -> None:
    # the copy's toner texture fills the portrait: that is a copy, not a paste
    data, _ = forgeries.make_forgery("photocopy", 6000)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    doc = detect_document(img).document
    face = find_portrait(doc)
    assert face is not None
    found = {f.code: f for f in forensics.examine(doc, face)}
    assert found[codes.PHOTOCOPY_SUSPECTED].fired
    portrait = found[codes.PORTRAIT_SUBSTITUTION_SUSPECTED]
    assert not portrait.fired
    assert "photocopy" in portrait.evidence
