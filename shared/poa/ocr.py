"""The proof-of-address reader's view of PP-OCR: a page into positioned text segments.

The networks are the process's one PP-OCR engine (`shared/ocr/engine.py`, shared with the
document reader; files from the model registry, threads `IDMESH_OCR_THREADS`). Pages are
detected on a reduced copy and recognised on full-resolution crops, and the spaces the
Chinese-trained recogniser drops in Latin print are put back. Call `load()` (or `warm_up()`)
after forking, before the readiness probe passes.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import cv2
import numpy as np

from shared.checks.result import ModelInfo
from shared.ocr.engine import OcrEngine as _Networks
from shared.ocr.engine import get_engine as _networks
from shared.poa.layout import Segment

log = logging.getLogger(__name__)

DET_MAX_SIDE = 1120
REC_BATCH = 6  # page lines are similar in height: larger batches are faster here


class PageOcr:
    """Page reading on the shared PP-OCR networks."""

    def __init__(self, networks: _Networks | None = None) -> None:
        self.networks = networks or _networks()

    @property
    def models(self) -> list[ModelInfo]:
        return [self.networks.info["ocr_det"], self.networks.info["ocr_rec"]]

    def read(self, image: np.ndarray, page: int = 0) -> list[Segment]:
        """OCR an RGB image; segments in page fractions."""
        h, w = image.shape[:2]
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        result = self._run(bgr)
        segs: list[Segment] = []
        for box, text, score in result:
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            text = respace_latin(" ".join(str(text).split()))
            if not text:
                continue
            y0, y1 = min(ys) / h, max(ys) / h
            segs.append(
                Segment(
                    text=text,
                    x0=min(xs) / w,
                    y0=y0,
                    x1=max(xs) / w,
                    y1=y1,
                    page=page,
                    source="ocr",
                    conf=float(score),
                    size=(y1 - y0) * 1000,
                )
            )
        return segs

    def _run(self, bgr: np.ndarray) -> list[tuple[list[list[float]], str, float]]:
        """rapidocr's pipeline (1.4.x internals) keeping the CTC columns of each character,
        so that the spaces the Chinese-trained recogniser drops in Latin text come back."""
        h, w = bgr.shape[:2]
        # detection on a reduced copy (its cost grows with pixels), recognition on crops of
        # the full-resolution image (small print needs the pixels)
        s = min(1.0, DET_MAX_SIDE / max(h, w))
        det_img = (
            cv2.resize(bgr, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
            if s < 1.0
            else bgr
        )
        dt_boxes = self.networks.detect(det_img, sort=True)
        if not dt_boxes:
            return []
        boxes = [_pad_box(b / s, w, h) for b in dt_boxes]
        crops = self.networks.crops(bgr, boxes)
        rec_res = self.networks.recognise(crops, batch=REC_BATCH, word_columns=True)
        out = []
        for box, rec in zip(boxes, rec_res, strict=False):
            text, score = rec[0], float(rec[1])
            if len(rec) > 2 and text:
                text = _respace(rec[2])
            if score < 0.5 or not text.strip():
                continue
            out.append((box.tolist(), text, score))
        return out

    def recognize_boxes(
        self, image: np.ndarray, boxes: list[tuple[float, float, float, float]]
    ) -> list[tuple[str, float]]:
        """Recognition only, on given page-fraction boxes (x0, y0, x1, y1): what the rendered
        page shows where the text layer says a line is."""
        h, w = image.shape[:2]
        crops = []
        for x0, y0, x1, y1 in boxes:
            bh = (y1 - y0) * h
            a = max(0, int(x0 * w - 0.3 * bh))
            b = min(w, int(x1 * w + 0.3 * bh) + 1)
            c = max(0, int(y0 * h - 0.15 * bh))
            d = min(h, int(y1 * h + 0.15 * bh) + 1)
            crop = image[c:d, a:b, ::-1]
            if crop.size == 0 or crop.shape[0] < 4 or crop.shape[1] < 4:
                crop = np.full((8, 8, 3), 255, np.uint8)
            crops.append(np.ascontiguousarray(crop))
        if not crops:
            return []
        rec = self.networks.recognise(crops, batch=REC_BATCH)
        return [(respace_latin(str(r[0])), float(r[1])) for r in rec]


_L = "A-Za-zÀ-ÖØ-öø-ÿ"
_HONORIFIC_DOT = re.compile(
    r"\b(M|Mr|Mrs|Ms|Dr|Mme|Mlle|Dhr|Mevr|Sr|Sra|D|Dña|Hr|Fr)\.(?=[A-ZÀ-Ö])"
)
_DIGIT_WORD = re.compile(rf"(\d)([{_L}]{{3,}})")
_WORD_DIGIT = re.compile(rf"([{_L}]{{3,}})(\d)")
_CAMEL = re.compile(r"\b([A-ZÀ-Ö]?[a-zß-öø-ÿ]{2,})(?=[A-ZÀ-Ö][a-zß-öø-ÿ])")
_NL_PC_GLUED = re.compile(r"\b(\d{4}\s?[A-Z]{2})(?=[A-Z][a-z])")
_COLON = re.compile(r":(?=\S)(?!//)(?!\d{2}\b)")


def respace_latin(text: str) -> str:
    """PP-OCR's Chinese-trained recogniser drops spaces in tight Latin print ("144rue des",
    "MmeJeanMoreau", "59000LILLE"); put back the ones that are unambiguous."""
    t = _HONORIFIC_DOT.sub(r"\1. ", text)
    t = _DIGIT_WORD.sub(r"\1 \2", t)
    t = _WORD_DIGIT.sub(r"\1 \2", t)
    for _ in range(4):  # one split per pass: "MmeJeanMoreau" needs two
        t2 = _CAMEL.sub(
            lambda m: m.group(1) if m.group(1) in ("Mac", "Van", "Von") else m.group(1) + " ", t
        )
        if t2 == t:
            break
        t = t2
    t = _NL_PC_GLUED.sub(r"\1 ", t)
    t = re.sub(r"\b(\d+)\s?(bis|ter)(?=[a-z]{2})", r"\1 \2 ", t)
    t = re.sub(
        r"\b(Mrs|Mr|Ms|Miss|Dr|Mme|Mlle|Herrn|Herr|Frau|Dhr|Mevr|Sra|Sr)(?=[A-ZÀ-Ö][a-zß-ÿ])",
        r"\1 ",
        t,
    )
    t = _COLON.sub(": ", t)
    return " ".join(t.split())


def _pad_box(box: np.ndarray, w: int, h: int) -> np.ndarray:
    """Grow a detected quadrilateral a little: boxes found at reduced scale are tight."""
    c = box.mean(axis=0)
    grown = c + (box - c) * np.array([1.01, 1.08], dtype=np.float32)
    grown[:, 0] = np.clip(grown[:, 0], 0, w - 1)
    grown[:, 1] = np.clip(grown[:, 1], 0, h - 1)
    return grown.astype(np.float32)


def _respace(word_info: list) -> str:
    """Re-insert spaces where the gap between two characters' CTC columns is wide."""
    _, words, cols, _, _ = word_info
    chars = [c for w in words for c in w]
    pos = [p for w in cols for p in w]
    if len(chars) < 3:
        return "".join(chars)
    gaps = [
        pos[i + 1] - pos[i]
        for i in range(len(chars) - 1)
        if chars[i] != " " and chars[i + 1] != " "
    ]
    if not gaps:
        return "".join(chars)
    med = float(np.median(gaps))
    out = [chars[0]]
    for i in range(1, len(chars)):
        gap = pos[i] - pos[i - 1]
        if chars[i] != " " and chars[i - 1] != " " and gap >= max(med + 3, 2.2 * med):
            out.append(" ")
        out.append(chars[i])
    return "".join(out)


@lru_cache(maxsize=1)
def load() -> PageOcr:
    """The process-wide page reader (its networks are the process's one PP-OCR engine)."""
    return PageOcr()


def warm_up() -> None:
    """Load the page reader's networks before readiness. No inference is run: measured, the
    first read costs the same CPU time as later ones (about 105 ms here)."""
    load()
