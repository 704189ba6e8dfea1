"""PDF417 and QR reading with zxing-cpp on raw bytes (never the rewritten text mode)."""

from __future__ import annotations

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


def version() -> str:
    return getattr(_zxing(), "__version__", "")
