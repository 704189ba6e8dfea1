"""Orient a rectified document and read its MRZ (and the rest of its text) with PP-OCR.

Text detection runs once on the whole document. The MRZ rows are the long, wide text lines;
when they sit in the upper half the page is upside down and is turned (MRZs are always at
the bottom). Documents without MRZ are oriented with the text-direction classifier. Only the
MRZ rows are recognised first (the expensive step); the other boxes are recognised on demand
(visual-zone cross-check) or as a fallback when no MRZ was found among the long rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np

from shared.documents.mrz import (
    FORMATS,
    MrzResult,
    find_mrz_in_text,
    known_code,
    nationality_slice,
    normalise_line,
    sex_ok,
)
from shared.documents.mrzfind import find_mrz, read_to_width, upright_page, well_formed
from shared.documents.ocr import CardOcr, TextBox
from shared.documents.portrait import find_portrait

UPSAMPLE_TO = 1400  # long side (px) small captures are enlarged to before the MRZ search


@dataclass
class PageRead:
    document: np.ndarray
    rotated_180: bool
    boxes: list[TextBox]
    mrz: MrzResult | None = None
    mrz_rows: list[TextBox] = field(default_factory=list)
    mrz_confidence: float = 0.0
    all_read: bool = False

    def other_boxes(self) -> list[TextBox]:
        ids = {id(b) for b in self.mrz_rows}
        top = min((float(b.box[:, 1].min()) for b in self.mrz_rows), default=1e9)
        return [b for b in self.boxes if id(b) not in ids and b.cy < top]


def _rot180(boxes: list[TextBox], w: int, h: int) -> None:
    for b in boxes:
        p = np.float32([w, h]) - b.box
        b.box = p[[2, 3, 0, 1]]


def _rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    rows: list[list[TextBox]] = []
    for b in sorted(boxes, key=lambda x: x.cy):
        if rows:
            last = rows[-1]
            ref = np.mean([x.cy for x in last])
            hh = np.median([x.height for x in last])
            if abs(b.cy - ref) < 0.5 * max(hh, b.height):
                last.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda x: x.cx) for r in rows]


def _merge(row: list[TextBox]) -> TextBox:
    if len(row) == 1:
        return row[0]
    pts = np.concatenate([b.box for b in row]).astype(np.float32)
    rect = cv2.minAreaRect(pts)
    quad = cv2.boxPoints(rect)
    # order tl, tr, br, bl
    s = quad.sum(axis=1)
    d = np.diff(quad, axis=1).ravel()
    ordered = np.float32(
        [quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]]
    )
    return TextBox(ordered)


def orient_and_detect(doc: np.ndarray, engine: CardOcr) -> tuple[np.ndarray, list[TextBox], bool]:
    h, w = doc.shape[:2]
    boxes = engine.detect(doc)
    long = [b for b in boxes if b.width > 0.55 * w and b.width > 10 * b.height]
    flip = False
    if long:
        flip = sum(b.cy < h / 2 for b in long) > len(long) / 2
    elif boxes:
        # No MRZ: an upright portrait decides; otherwise the text-direction classifier votes
        # on the widest lines (short boxes are unreliable).
        up = find_portrait(doc) is not None
        down = find_portrait(cv2.rotate(doc, cv2.ROTATE_180)) is not None
        if up != down:
            flip = down
        else:
            wide = [b for b in boxes if b.width > 3 * b.height] or boxes
            big = sorted(wide, key=lambda b: b.width, reverse=True)[:8]
            dirs = engine.direction([engine.crop(doc, b.box, pad=0.0) for b in big])
            votes = sum(sc if lab == "180" else -sc for lab, sc in dirs)
            flip = votes > 0
    if flip:
        doc = cv2.rotate(doc, cv2.ROTATE_180)
        _rot180(boxes, w, h)
    return doc, boxes, flip


def read_page(doc: np.ndarray, engine: CardOcr, today: date | None = None) -> PageRead:
    doc, boxes, flipped = orient_and_detect(doc, engine)
    h, w = doc.shape[:2]
    page = PageRead(document=doc, rotated_180=flipped, boxes=boxes)
    long = [b for b in boxes if b.width > 0.3 * w and b.width > 6 * b.height and b.cy > 0.4 * h]
    if long:
        hmed = float(np.median([b.height for b in long]))
        top = min(b.cy for b in long) - hmed
        cand = [b for b in boxes if b.cy >= top and b.height > 0.5 * hmed]
        rows = [_merge(r) for r in _rows(cand)]
        rows = [r for r in rows if r.width > 0.3 * w]
        engine.read(doc, rows)
        res = find_mrz_in_text([r.text for r in rows], today=today)
        if res is None or not res.checks_valid:
            # Second reading with a looser crop: misreads rarely repeat identically, and the
            # check digits tell which reading is right.
            again = [TextBox(r.box.copy()) for r in rows]
            engine.read(doc, again, pad=0.3)
            res2 = find_mrz_in_text([r.text for r in again], today=today)
            if res2 is not None and (
                res is None or sum(c.valid for c in res2.checks) > sum(c.valid for c in res.checks)
            ):
                res, rows = res2, again
        if res is not None:
            res, rows = _complete_lines(doc, res, rows, engine, today)
            page.mrz = res
            page.mrz_rows = rows
            page.mrz_confidence = float(np.mean([r.score for r in rows]))
    return page


def _complete_lines(
    doc: np.ndarray, res: MrzResult, rows: list[TextBox], engine: CardOcr, today: date | None
) -> tuple[MrzResult, list[TextBox]]:
    """Lines read with fewer or more characters than their format are read again
    (`mrzfind.read_to_width`); the new reading is kept unless its check digits are worse."""
    n = FORMATS[res.format][1]
    used = [next((r for r in rows if normalise_line(r.text) == t), None) for t in res.ocr_lines]
    if any(r is None for r in used) or all(
        well_formed(t, n, i) for i, t in enumerate(res.ocr_lines)
    ):
        return res, rows
    mrz_rows = [r for r in used if r is not None]
    texts, scores = read_to_width(
        doc,
        _aligned_boxes([r.box for r in mrz_rows]),
        list(res.ocr_lines),
        [r.score for r in mrz_rows],
        n,
        engine,
    )
    if texts == list(res.ocr_lines):
        return res, rows
    again = find_mrz_in_text(texts, today=today)
    if again is None or quality_key(again) < quality_key(res):
        return res, rows
    new_rows = [
        TextBox(r.box.copy(), t, sc) for r, t, sc in zip(mrz_rows, texts, scores, strict=True)
    ]
    return again, new_rows


def _aligned_boxes(boxes: list[np.ndarray]) -> list[np.ndarray]:
    """MRZ lines start and end at the same place: every row stretched along its own edges
    to the rows' common left and right ends (a row the detector cut short, e.g. where a
    wrong outline clipped its first letters, is read over its whole length)."""
    left = min(float(min(b[0, 0], b[3, 0])) for b in boxes)
    right = max(float(max(b[1, 0], b[2, 0])) for b in boxes)

    def at(p: np.ndarray, q: np.ndarray, x: float) -> np.ndarray:
        return p + (q - p) * (x - p[0]) / max(float(q[0] - p[0]), 1.0)

    return [
        np.float32(
            [
                at(b[0], b[1], left),
                at(b[0], b[1], right),
                at(b[3], b[2], right),
                at(b[3], b[2], left),
            ]
        )
        for b in boxes
    ]


def read_everything(page: PageRead, engine: CardOcr, today: date | None = None) -> PageRead:
    """Fallback: recognise every box and look for an MRZ anywhere on the page."""
    doc, boxes = page.document, page.boxes
    if page.all_read or not boxes:
        return page
    engine.read(doc, boxes)
    page.all_read = True
    rows = _rows(boxes)
    texts = ["".join(b.text for b in r) for r in rows]
    res = find_mrz_in_text(texts, today=today)
    if res is not None:
        page.mrz = res
        used = set(res.ocr_lines)
        page.mrz_rows = [
            b for r, t in zip(rows, texts, strict=True) for b in r if normalise_line(t) in used
        ]
        page.mrz_confidence = float(np.mean([b.score for b in page.mrz_rows] or [0.0]))
    return page


def read_other_text(page: PageRead, engine: CardOcr) -> list[TextBox]:
    """Recognise the non-MRZ boxes (the visual inspection zone)."""
    others = page.other_boxes()
    if not page.all_read:
        engine.read(page.document, others)
    return others


def reread_name_line(page: PageRead, engine: CardOcr) -> str | None:
    """Recognise the MRZ name line again, cropped to its names (long filler runs make the
    recogniser drop letters). Returns the new raw line text, or None."""
    mrz = page.mrz
    if mrz is None or not page.mrz_rows:
        return None
    idx = 2 if mrz.format == "TD1" else 0
    target = mrz.ocr_lines[idx] if idx < len(mrz.ocr_lines) else ""
    row = next((r for r in page.mrz_rows if normalise_line(r.text) == target), None)
    n = len(mrz.lines[idx])
    if row is None or not target:
        return None
    used = len(target.rstrip("<"))
    frac = min(1.0, (used + 4) / n)
    if frac > 0.9:
        return None
    b = row.box.copy()
    b[1] = b[0] + (b[1] - b[0]) * frac
    b[2] = b[3] + (b[2] - b[3]) * frac
    text, _ = engine.recognise([engine.crop(page.document, b)])[0]
    text = normalise_line(text).rstrip("<")
    return text + "<" * max(0, n - len(text)) if text else None


def quality_key(r: MrzResult | None) -> tuple[int, int, int, int]:
    """Order of MRZ readings: all check digits valid and a plausible document code and
    issuer first, then the number of valid digits, then whether every line was read with
    its format's character count."""
    if r is None:
        return (-1, -1, -1, -1)
    return (int(r.checks_valid), int(plausible(r)), sum(c.valid for c in r.checks), complete(r))


def complete(r: MrzResult) -> int:
    """1 when every line was read with exactly its format's number of characters: a line
    read shorter lost characters (fillers, or letters of a name that no check digit
    covers; e.g. a row cut by a wrong document outline)."""
    n = FORMATS[r.format][1]
    return int(all(len(t) == n for t in r.ocr_lines))


def plausible(r: MrzResult) -> bool:
    """The parts no check digit covers look right: a known document code (P, V, I, A, C),
    issuing state and nationality (`mrz.CODES`: ISO 3166 and ICAO codes), and a sex."""
    head = r.lines[0]
    n = FORMATS[r.format][1]
    return (
        head[:1] in "PVIAC"
        and known_code(head[2:5])
        and known_code(r.lines[1][nationality_slice(n)])
        and sex_ok(r.lines[1], n)
    )


def good_enough(r: MrzResult | None) -> bool:
    return r is not None and r.checks_valid and plausible(r) and bool(complete(r))


def _better(a: MrzResult | None, b: MrzResult | None) -> bool:
    return a is not None and quality_key(a) > quality_key(b)


def upsampled(img: np.ndarray, target: int = UPSAMPLE_TO) -> np.ndarray:
    """Small captures are enlarged (bicubic) so detection and recognition see normal-sized
    characters; large ones are left alone."""
    h, w = img.shape[:2]
    if max(h, w) >= target * 0.8:
        return img
    s = target / max(h, w)
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)


def read_anywhere(
    images: list[np.ndarray], engine: CardOcr, page: PageRead, today: date | None = None
) -> PageRead:
    """Layout-free MRZ search (`mrzfind`) on each image in turn, kept only when it reads
    better than `page` (the layout-based reading). The page becomes the upright cut-out."""
    for img in images:
        if good_enough(page.mrz):
            break
        got = find_mrz(upsampled(img), engine, today=today)
        if got is None:
            continue
        padded, found = got
        if not _better(found.result, page.mrz):
            continue
        doc, rows = upright_page(padded, found)
        boxes = engine.detect(doc)
        page = PageRead(
            document=doc,
            rotated_180=found.flip,
            boxes=boxes,
            mrz=found.result,
            mrz_rows=rows,
            mrz_confidence=float(np.mean(found.scores)),
        )
    return page
