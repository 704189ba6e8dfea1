"""PDF417 and QR reading with zxing-cpp on raw bytes (never the rewritten text mode)."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel

_zx = None


def _zxing():
    global _zx
    if _zx is None:
        import zxingcpp

        _zx = zxingcpp
    return _zx


class Barcode(BaseModel):
    format: str
    raw: bytes
    text: str

    model_config = {"arbitrary_types_allowed": True}


def read_barcodes(images: list[np.ndarray]) -> list[Barcode]:
    """All PDF417/QR codes found in the first image that has any (grey or BGR arrays)."""
    zx = _zxing()
    formats = (zx.BarcodeFormat.PDF417, zx.BarcodeFormat.QRCode)
    for img in images:
        found = zx.read_barcodes(img, formats=formats, text_mode=zx.TextMode.Plain)
        out = []
        for r in found:
            if not r.valid:
                continue
            raw = bytes(r.bytes)
            fmt = "PDF417" if r.format == zx.BarcodeFormat.PDF417 else "QR"
            out.append(Barcode(format=fmt, raw=raw, text=raw.decode("latin-1", "replace")))
        if out:
            return out
    return []


def barcode_regions(grey: np.ndarray, max_regions: int = 2) -> list[np.ndarray]:
    """Deskewed crops of dense high-gradient regions (where a PDF417 or QR likely is).

    zxing-cpp finds PDF417 at 0/90/180/270 degrees only; a card photographed at an angle
    whose outline was not found still has a readable barcode once its region is straightened.
    """
    h, w = grey.shape[:2]
    scale = 800.0 / max(h, w)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.convertScaleAbs(cv2.magnitude(gx, gy))
    mag = cv2.blur(mag, (9, 9))
    _, th = cv2.threshold(mag, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    th = cv2.morphologyEx(th, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (21, 21)))
    th = cv2.erode(th, None, iterations=3)
    th = cv2.dilate(th, None, iterations=3)
    contours, _ = cv2.findContours(th, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    area_img = small.shape[0] * small.shape[1]
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:max_regions]:
        if cv2.contourArea(c) < 0.02 * area_img:
            break
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
        rw, rh = rw * 1.15 / scale, rh * 1.15 / scale
        m = cv2.getRotationMatrix2D((cx / scale, cy / scale), angle, 1.0)
        m[0, 2] += rw / 2 - cx / scale
        m[1, 2] += rh / 2 - cy / scale
        crop = cv2.warpAffine(
            grey, m, (int(rw), int(rh)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        if crop.size:
            out.append(crop)
    return out


def version() -> str:
    return getattr(_zxing(), "__version__", "")
