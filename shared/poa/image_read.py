"""Decoding uploaded photos and scans (JPEG/PNG/WebP/TIFF) with limits, and their metadata."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from shared.imaging.guard import ImageLimits, ImageRefused
from shared.imaging.guard import open_image as guarded_open
from shared.poa import codes
from shared.poa.pdf_guard import PdfRefused

MAX_PIXELS = 60_000_000
WORK_MAX_SIDE = 2000  # the page is read at most at this size


class PoaImageRefused(PdfRefused):
    """Same shape as PdfRefused: a POA_* code and a message."""


# Photos and scans through the shared image guard; multi-page TIFF scans are allowed (the
# first page is read, the count is a reported fact).
LIMITS = ImageLimits(
    max_bytes=64 * 1024 * 1024,
    max_pixels=MAX_PIXELS,
    max_decoded_bytes=384 * 1024 * 1024,
    max_frames=20,
    min_side=32,
)
_CODES = {
    "too_many_bytes": codes.POA_FILE_TOO_LARGE,
    "too_many_pixels": codes.POA_IMAGE_TOO_LARGE,
    "too_large_decoded": codes.POA_IMAGE_TOO_LARGE,
    "too_many_frames": codes.POA_UNSUPPORTED_FORMAT,
    "unsupported_format": codes.POA_UNSUPPORTED_FORMAT,
    "too_small": codes.POA_UNREADABLE,
}


@dataclass
class ImageData:
    rgb: np.ndarray  # upright, at most WORK_MAX_SIDE
    format: str
    size: tuple[int, int]  # original pixels
    exif: dict[str, str] = field(default_factory=dict)
    xmp: str = ""
    quantization: dict[int, list[int]] | None = None  # JPEG tables (natural order)
    gray_full: np.ndarray | None = None  # luminance at original resolution (JPEG analysis)
    frames: int = 1


_EXIF_TAGS = {
    0x0131: "Software",
    0x000B: "ProcessingSoftware",
    0x010F: "Make",
    0x0110: "Model",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
}


def open_image(data: bytes) -> ImageData:
    try:
        im, header = guarded_open(data, LIMITS)
        w, h = header.width, header.height
        fmt = header.name
        frames = header.frames
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            exif_raw = im.getexif()
            exif: dict[str, str] = {}
            for tag, name in _EXIF_TAGS.items():
                v = exif_raw.get(tag)
                if v is None and tag >= 0x9000:
                    v = exif_raw.get_ifd(0x8769).get(tag)
                if v is not None:
                    exif[name] = str(v).strip("\x00 ")[:200]
            xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
            if isinstance(xmp, bytes):
                xmp = xmp.decode("utf-8", "replace")
            quant = None
            if fmt == "jpeg":
                q = getattr(im, "quantization", None)
                if q:
                    quant = {k: list(v) for k, v in q.items()}
            gray_full = None
            if fmt == "jpeg" and im.mode in ("RGB", "L", "YCbCr"):
                # before any rotation: the 8x8 JPEG grid must stay where the encoder put it
                gray_full = (
                    np.asarray(im) if im.mode == "L" else np.asarray(im.convert("YCbCr"))[:, :, 0]
                )
            im = ImageOps.exif_transpose(im)
    except ImageRefused as e:
        code = _CODES.get(e.reason, codes.POA_CORRUPT_FILE)
        raise PoaImageRefused(code, f"image refused: {e.message}") from e
    except Exception as e:  # noqa: BLE001 - any decoder failure is a corrupt upload
        raise PoaImageRefused(codes.POA_CORRUPT_FILE, "the image cannot be decoded") from e
    rgb = im.convert("RGB")
    scale = min(1.0, WORK_MAX_SIDE / max(rgb.size))
    if scale < 1.0:
        rgb = rgb.resize((int(rgb.width * scale), int(rgb.height * scale)), Image.LANCZOS)
    return ImageData(
        rgb=np.asarray(rgb),
        format=fmt,
        size=(w, h),
        exif=exif,
        xmp=str(xmp)[:20000],
        quantization=quant,
        gray_full=gray_full,
        frames=frames,
    )
