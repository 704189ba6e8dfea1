"""Reading a PDF with pdfium: text layer (chars, fonts, boxes), page objects in paint order,
metadata and rendered pages."""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from shared.poa import codes
from shared.poa.layout import Segment, split_runs
from shared.poa.pdf_guard import PdfRefused

log = logging.getLogger(__name__)

RENDER_MAX_SIDE = 2400  # pixels; bounds memory for absurd page sizes


@dataclass
class PageObject:
    """A page object in paint order: text, path (shape), image, shading or form."""

    order: int
    kind: str
    bbox: tuple[float, float, float, float]  # page fractions, origin top-left
    fill: tuple[int, int, int, int] | None = None
    text: str = ""
    font: str = ""


@dataclass
class PdfPageData:
    index: int
    width: float  # points
    height: float
    segments: list[Segment]
    chars: list[tuple[str, float, float, float, float]]  # text + page-fraction bbox
    objects: list[PageObject]
    image: np.ndarray | None = None  # rendered RGB
    scale: float = 1.0
    image_cover: float = 0.0  # share of the page covered by images


@dataclass
class PdfData:
    pages: list[PdfPageData]
    metadata: dict[str, str]
    page_count: int
    text_chars: int = 0
    fonts: dict[str, int] = field(default_factory=dict)


def _font_name(textpage, index: int) -> str:
    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    n = pdfium_c.FPDFText_GetFontInfo(textpage, index, buf, 128, ctypes.byref(flags))
    if n <= 0:
        return ""
    name = buf.value.decode("latin-1", "replace")
    # subset prefix ABCDEF+Name: the subset tag says nothing about the font
    if len(name) > 7 and name[6] == "+" and name[:6].isupper():
        name = name[7:]
    return name


def _obj_font(obj) -> str:
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    if not font:
        return ""
    buf = ctypes.create_string_buffer(128)
    n = pdfium_c.FPDFFont_GetBaseFontName(font, buf, 128)
    name = buf.value.decode("latin-1", "replace") if n else ""
    if len(name) > 7 and name[6] == "+" and name[:6].isupper():
        name = name[7:]
    return name


_KINDS = {
    pdfium_c.FPDF_PAGEOBJ_TEXT: "text",
    pdfium_c.FPDF_PAGEOBJ_PATH: "path",
    pdfium_c.FPDF_PAGEOBJ_IMAGE: "image",
    pdfium_c.FPDF_PAGEOBJ_SHADING: "shading",
    pdfium_c.FPDF_PAGEOBJ_FORM: "form",
}


def _page_objects(page, width: float, height: float) -> list[PageObject]:
    out: list[PageObject] = []
    for i, obj in enumerate(page.get_objects(max_depth=3)):
        if i > 20000:
            break
        kind = _KINDS.get(obj.type, "other")
        try:
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001, S112 - pdfium refuses bounds of some objects
            continue
        bbox = (left / width, 1 - top / height, right / width, 1 - bottom / height)
        fill = None
        font = ""
        if kind == "path":
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            if pdfium_c.FPDFPageObj_GetFillColor(obj.raw, r, g, b, a):
                fill = (r.value, g.value, b.value, a.value)
        elif kind == "text":
            font = _obj_font(obj.raw)
        out.append(PageObject(order=i, kind=kind, bbox=bbox, fill=fill, font=font))
    return out


def open_pdf(data: bytes, max_pages: int, render_dpi: int = 150, render: bool = True) -> PdfData:
    """Parse with pdfium; raises PdfRefused with a POA_* code for files it cannot use."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg or "security" in msg:
            raise PdfRefused(codes.POA_ENCRYPTED, "the PDF is password-protected") from e
        raise PdfRefused(codes.POA_CORRUPT_FILE, "the PDF cannot be parsed") from e
    try:
        n = len(doc)
        if n == 0:
            raise PdfRefused(codes.POA_CORRUPT_FILE, "the PDF has no pages")
        if n > max_pages:
            raise PdfRefused(codes.POA_TOO_MANY_PAGES, f"{n} pages (limit {max_pages})")
        try:
            meta = {k: v for k, v in doc.get_metadata_dict(skip_empty=True).items()}
        except Exception:  # noqa: BLE001
            meta = {}
        pages: list[PdfPageData] = []
        fonts: dict[str, int] = {}
        total_chars = 0
        for pi in range(n):
            page = doc[pi]
            try:
                w, h = page.get_size()
                if w <= 0 or h <= 0 or w > 14400 or h > 14400:
                    raise PdfRefused(codes.POA_HOSTILE_PDF, "page size out of range")
                tp = page.get_textpage()
                chars7: list[tuple[str, float, float, float, float, str, float]] = []
                chars: list[tuple[str, float, float, float, float]] = []
                count = min(tp.count_chars(), 50000)
                raw_tp = tp.raw
                for ci in range(count):
                    t = tp.get_text_range(ci, 1)
                    if not t:
                        continue
                    left, bottom, right, top = tp.get_charbox(ci, loose=True)
                    font = _font_name(raw_tp, ci) if t.strip() else ""
                    size = pdfium_c.FPDFText_GetFontSize(raw_tp, ci)
                    chars7.append((t, left, bottom, right, top, font, size))
                    if t.strip():
                        chars.append((t, left / w, 1 - top / h, right / w, 1 - bottom / h))
                        fonts[font] = fonts.get(font, 0) + 1
                total_chars += len(chars)
                segments = split_runs(chars7, pi, w, h)
                objects = _page_objects(page, w, h)
                cover = sum(
                    max(0.0, (o.bbox[2] - o.bbox[0])) * max(0.0, (o.bbox[3] - o.bbox[1]))
                    for o in objects
                    if o.kind == "image"
                )
                img = None
                scale = render_dpi / 72
                if max(w, h) * scale > RENDER_MAX_SIDE:
                    scale = RENDER_MAX_SIDE / max(w, h)
                if render:
                    bmp = page.render(scale=scale, may_draw_forms=False)
                    img = bmp.to_numpy().copy()
                    if img.ndim == 3 and img.shape[2] >= 3:
                        img = (
                            img[:, :, 2::-1]
                            if bmp.mode in ("BGRA", "BGRX", "BGR")
                            else img[:, :, :3]
                        )
                        img = np.ascontiguousarray(img)
                    bmp.close()
                tp.close()
                pages.append(
                    PdfPageData(
                        index=pi,
                        width=w,
                        height=h,
                        segments=segments,
                        chars=chars,
                        objects=objects,
                        image=img,
                        scale=scale,
                        image_cover=min(1.0, cover),
                    )
                )
            finally:
                page.close()
        return PdfData(
            pages=pages, metadata=meta, page_count=n, text_chars=total_chars, fonts=fonts
        )
    finally:
        doc.close()
