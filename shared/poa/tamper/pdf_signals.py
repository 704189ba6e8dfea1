"""Tamper signals of a PDF: its revisions, its metadata, and its page objects."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from shared.poa.layout import Segment
from shared.poa.pdf_guard import PdfScan
from shared.poa.pdf_read import PdfData, PdfPageData
from shared.poa.tamper import (
    PDF_EDITOR_SOFTWARE,
    PDF_FONT_ANOMALY,
    PDF_HIDDEN_TEXT,
    PDF_IMAGE_OVER_TEXT,
    PDF_INCREMENTAL_UPDATE,
    PDF_METADATA_UPDATE,
    PDF_MODIFIED_BEFORE_CREATED,
    PDF_OVERLAY_BOX,
    Signal,
)

# (pattern, weight): editors that change what a page says; converters are not listed
EDITORS: list[tuple[str, float]] = [
    (r"photoshop", 0.7),
    (r"\bgimp\b", 0.7),
    (r"illustrator", 0.6),
    (r"inkscape", 0.6),
    (r"pdfescape", 0.7),
    (r"sejda", 0.6),
    (r"pdf-?xchange editor", 0.6),
    (r"foxit.*editor", 0.6),
    (r"phantompdf", 0.6),
    (r"nitro pro", 0.5),
    (r"pdfelement|wondershare", 0.6),
    (r"ilovepdf", 0.55),
    (r"smallpdf", 0.55),
    (r"pdffiller", 0.7),
    (r"dochub", 0.7),
    (r"pdf candy", 0.6),
    (r"canva", 0.6),
    (r"pixelmator", 0.6),
    (r"affinity", 0.6),
    (r"paint\.net|mspaint", 0.6),
    (r"pdf expert", 0.5),
    (r"acrobat pro", 0.3),
    (r"libreoffice draw|openoffice draw", 0.5),
    (r"microsoft.*word|writer", 0.25),
]
_DATE_RE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?"
)


def parse_pdf_date(s: str | None) -> datetime | None:
    if not s:
        return None
    m = _DATE_RE.search(s)
    if not m:
        return None
    y, mo, d, h, mi, se = (
        int(g) if g else dflt for g, dflt in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)
    )
    try:
        dt = datetime(y, mo, d, h, mi, se)
    except ValueError:
        return None
    sign, oh, om = m.group(7), m.group(8), m.group(9)
    off = timedelta(hours=int(oh or 0), minutes=int(om or 0))
    if sign == "-":
        off = -off
    return dt.replace(tzinfo=timezone(off)) if sign else dt.replace(tzinfo=UTC)


def revision_signals(scan: PdfScan) -> list[Signal]:
    out: list[Signal] = []
    for rev in scan.updates:
        kinds = rev.kinds
        changes_page = any(
            k in kinds
            for k in (
                "page",
                "content",
                "image",
                "form_xobject",
                "font",
                "objstm_page",
                "annotation",
            )
        )
        only_sig = (
            set(kinds) <= {"signature", "xref", "catalog", "other", "info", "xmp", "annotation"}
            and "signature" in kinds
        )
        ev = {"revision": rev.index, "byte_range": [rev.start, rev.end], "objects": kinds}
        if only_sig:
            continue  # a signature appended by a signing tool
        if changes_page:
            out.append(
                Signal(
                    PDF_INCREMENTAL_UPDATE,
                    0.6,
                    f"revision {rev.index} changes page content after creation",
                    ev,
                )
            )
        else:
            out.append(
                Signal(
                    PDF_METADATA_UPDATE, 0.1, f"revision {rev.index} changes document data only", ev
                )
            )
    return out


def metadata_signals(meta: dict[str, str], scan: PdfScan) -> list[Signal]:
    out: list[Signal] = []
    tools = {"producer": meta.get("Producer", ""), "creator": meta.get("Creator", "")}
    for k, vals in scan.xmp.items():
        if k in ("creator_tool", "producer", "software_agent"):
            tools[f"xmp_{k}"] = " | ".join(vals)
    hits: dict[str, str] = {}
    weight = 0.0
    for field_name, value in tools.items():
        low = value.lower()
        for pat, w in EDITORS:
            if value and re.search(pat, low):
                hits[field_name] = value[:120]
                weight = max(weight, w)
    if hits:
        out.append(
            Signal(
                PDF_EDITOR_SOFTWARE,
                weight,
                "the file was written by an editing tool",
                {"fields": hits},
            )
        )
    created = parse_pdf_date(meta.get("CreationDate"))
    modified = parse_pdf_date(meta.get("ModDate"))
    if created and modified and modified < created - timedelta(minutes=5):
        out.append(
            Signal(
                PDF_MODIFIED_BEFORE_CREATED,
                0.5,
                "the modification date is earlier than the creation date",
                {"creation_date": created.isoformat(), "mod_date": modified.isoformat()},
            )
        )
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Share of b covered by a."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max(1e-9, (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / area


def overlay_signals(page: PdfPageData) -> list[Signal]:
    """Light opaque boxes and images painted after (over) text objects."""
    out: list[Signal] = []
    texts = [o for o in page.objects if o.kind == "text"]
    if not texts:
        return out
    boxes: list[dict] = []
    images: list[dict] = []
    for o in page.objects:
        w = o.bbox[2] - o.bbox[0]
        h = o.bbox[3] - o.bbox[1]
        if w <= 0 or h <= 0 or w * h > 0.5:
            continue  # page backgrounds
        covered = [t for t in texts if t.order < o.order and _overlap(o.bbox, t.bbox) > 0.5]
        if not covered:
            continue
        ev = {
            "page": page.index,
            "bbox": [round(v, 4) for v in o.bbox],
            "covered_text_objects": len(covered),
            "fonts_below": sorted({t.font for t in covered}),
        }
        if o.kind == "path" and o.fill and o.fill[3] > 200 and min(o.fill[:3]) > 225:
            boxes.append(ev)
        elif o.kind == "image" and page.image_cover < 0.5:
            images.append(ev)
    if boxes:
        out.append(
            Signal(
                PDF_OVERLAY_BOX,
                0.55,
                f"{len(boxes)} light box(es) painted over text",
                {"boxes": boxes[:5]},
            )
        )
    if images:
        out.append(
            Signal(
                PDF_IMAGE_OVER_TEXT,
                0.55,
                f"{len(images)} image(s) painted over text",
                {"images": images[:5]},
            )
        )
    return out


def hidden_text_signals(page: PdfPageData) -> list[Signal]:
    """Text-layer characters with no ink at their place on the rendered page."""
    if page.image is None or not page.chars:
        return []
    gray = page.image.mean(axis=2) if page.image.ndim == 3 else page.image
    H, W = gray.shape[:2]
    hidden: list[tuple[str, float, float, float, float]] = []
    for ch in page.chars:
        t, x0, y0, x1, y1 = ch
        if not t.strip() or not t.isalnum():
            continue
        a, b = int(x0 * W), int(x1 * W) + 1
        c, d = int(y0 * H), int(y1 * H) + 1
        if b - a < 2 or d - c < 2 or a < 0 or c < 0 or b > W or d > H:
            continue
        region = gray[c:d, a:b]
        # no contrast at all inside the glyph box: nothing is drawn there
        if float(region.max()) - float(region.min()) < 25:
            hidden.append(ch)
    if len(hidden) < 3:
        return []
    # group into runs for the evidence
    runs: list[dict] = []
    cur = ""
    box = None
    for t, x0, y0, x1, y1 in hidden:
        if box and abs(y0 - box[1]) < 0.005 and x0 - box[2] < 0.03:
            cur += t
            box = [box[0], min(box[1], y0), x1, max(box[3], y1)]
        else:
            if box:
                runs.append({"text": cur, "bbox": [round(v, 4) for v in box]})
            cur, box = t, [x0, y0, x1, y1]
    if box:
        runs.append({"text": cur, "bbox": [round(v, 4) for v in box]})
    return [
        Signal(
            PDF_HIDDEN_TEXT,
            0.6,
            f"{len(hidden)} characters of the text layer are not visible on the page",
            {"page": page.index, "runs": runs[:8]},
        )
    ]


def font_signals(segments: list[Segment], key: dict[str, list[Segment]]) -> list[Signal]:
    """A font that appears only on the key lines (name, address, date, amount)."""
    text_segs = [s for s in segments if s.source == "text" and s.fonts]
    if len(text_segs) < 6:
        return []
    usage: Counter[str] = Counter()
    for s in text_segs:
        for f in s.fonts:
            usage[f] += 1
    findings = []
    key_ids = {id(s) for segs in key.values() for s in segs}
    for field_name, segs in key.items():
        for s in segs:
            if s.source != "text" or not s.fonts:
                continue
            for f, n in s.fonts.items():
                users = [t for t in text_segs if f in t.fonts]
                outside = [t for t in users if id(t) not in key_ids]
                if n >= 2 and len(outside) == 0 and len(usage) > 1:
                    findings.append(
                        {
                            "field": field_name,
                            "text": s.text[:60],
                            "font": f,
                            "font_segments": len(users),
                            "document_fonts": dict(usage.most_common(6)),
                        }
                    )
    # mixed fonts inside one line that matters
    for field_name, segs in key.items():
        for s in segs:
            if s.source == "text" and len(s.fonts) > 1:
                minor = min(s.fonts, key=lambda f: s.fonts[f])
                if usage[minor] <= 2 and sum(s.fonts.values()) >= 4:
                    findings.append(
                        {
                            "field": field_name,
                            "text": s.text[:60],
                            "font": minor,
                            "mixed_in_line": dict(s.fonts),
                        }
                    )
    if not findings:
        return []
    return [
        Signal(
            PDF_FONT_ANOMALY,
            0.45,
            "a font is used only on lines that matter",
            {"findings": findings[:5]},
        )
    ]


def ink_ratio(image: np.ndarray) -> float:
    g = image.mean(axis=2) if image.ndim == 3 else image
    return float((g < 128).mean())


__all__ = [
    "font_signals",
    "hidden_text_signals",
    "metadata_signals",
    "overlay_signals",
    "revision_signals",
    "PdfData",
]
