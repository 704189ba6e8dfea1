"""Comparing the PDF text layer with what OCR reads on the rendered page."""

from __future__ import annotations

import re

from anyascii import anyascii
from rapidfuzz import fuzz

from shared.poa.layout import Segment
from shared.poa.tamper import TEXT_RENDER_MISMATCH, Signal


def _c(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", anyascii(s).lower())


def _x_overlap(a: Segment, b: Segment) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) / max(1e-6, min(a.x1 - a.x0, b.x1 - b.x0))


def _y_overlap(a: Segment, b: Segment) -> float:
    return max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0)) / max(1e-6, min(a.h, b.h))


def _mismatch(
    t: Segment, read: str, shown: str, conf: float, key_ids: dict[int, str]
) -> dict | None:
    """The row for a text-layer line that OCR, confident, reads as something else (`read`
    compared, `shown` reported); None where they agree or OCR is unsure."""
    ct, co = _c(t.text), _c(read)
    sim = max(fuzz.partial_ratio(ct, co) if len(co) >= len(ct) else 0.0, fuzz.ratio(ct, co)) / 100
    if not (sim < 0.6 and conf > 0.75):
        return None
    return {
        "text_layer": t.text[:80],
        "ocr": shown[:80],
        "similarity": round(sim, 2),
        "page": t.page,
        "bbox": t.bbox(),
        "field": key_ids.get(id(t)),
    }


def _signals(mismatches: list[dict], compared: int) -> tuple[list[Signal], dict]:
    """The mismatch signal (weighted up where a key field differs) and the counts."""
    stats = {"lines_compared": compared, "mismatches": len(mismatches)}
    if not mismatches:
        return [], stats
    on_key = [m for m in mismatches if m["field"]]
    weight = 0.6 if on_key else (0.35 if len(mismatches) >= 2 else 0.15)
    return [
        Signal(
            TEXT_RENDER_MISMATCH,
            weight,
            f"{len(mismatches)} line(s) of the text layer differ from the rendered page",
            {"lines": mismatches[:6], **stats},
        )
    ], stats


def compare_layers(
    text_segs: list[Segment], ocr_segs: list[Segment], key: dict[str, list[Segment]]
) -> tuple[list[Signal], dict]:
    """Text-layer lines whose place on the page OCR reads differently."""
    key_ids = {id(s): name for name, segs in key.items() for s in segs}
    mismatches = []
    compared = 0
    for t in text_segs:
        ct = _c(t.text)
        if len(ct) < 4:
            continue
        over = [
            o
            for o in ocr_segs
            if o.page == t.page and _y_overlap(t, o) > 0.5 and _x_overlap(t, o) > 0.3
        ]
        if not over:
            continue
        compared += 1
        read = " ".join(o.text for o in sorted(over, key=lambda o: o.x0))
        shown = " ".join(o.text for o in over)
        m = _mismatch(t, read, shown, min(o.conf for o in over), key_ids)
        if m is not None:
            mismatches.append(m)
    return _signals(mismatches, compared)


def compare_boxes(
    text_segs: list[Segment],
    image,
    engine,
    key: dict[str, list[Segment]],
    page: int = 0,
    limit: int = 16,
) -> tuple[list[Signal], dict]:
    """Recognise the rendered page inside each text-layer line's box (no detection pass:
    cheaper than full-page OCR) and compare. Key lines first, then lines with digits."""
    key_ids = {id(s): name for name, segs in key.items() for s in segs}
    cands = [t for t in text_segs if t.page == page and len(_c(t.text)) >= 4]
    cands.sort(key=lambda t: (id(t) not in key_ids, not re.search(r"\d", t.text), t.y0))
    cands = cands[:limit]
    if not cands:
        return [], {"lines_compared": 0, "mismatches": 0}
    reads = engine.recognize_boxes(image, [(t.x0, t.y0, t.x1, t.y1) for t in cands])
    mismatches = []
    for t, (txt, conf) in zip(cands, reads, strict=False):
        m = _mismatch(t, txt, txt, conf, key_ids)
        if m is not None:
            mismatches.append(m)
    return _signals(mismatches, len(cands))
