"""Decode and validate an uploaded document image before any model sees it.

Accepts JPEG, PNG, WebP and TIFF, one frame only, at most 10 MB and 40 megapixels. The header
is read first (Pillow reads the size without decoding pixels), so a decompression bomb is
refused before it is expanded. EXIF orientation is applied.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.documents import codes

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Below this the MRZ characters of even a TD1 card filling the frame are under 4 px: nothing
# can read them. Larger small captures are enlarged before reading, not refused.
MIN_SIDE = 120
ALLOWED = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "TIFF": "tiff", "MPO": "jpeg"}


class ImageInputError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def decode_image(data: bytes, side: str = "front") -> tuple[np.ndarray, str]:
    """Return a BGR uint8 array and the format name, or raise ImageInputError."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) == 0:
        raise ImageInputError(codes.INVALID_IMAGE, f"{side}: empty upload")
    if len(data) > MAX_BYTES:
        raise ImageInputError(
            codes.IMAGE_TOO_LARGE, f"{side}: {len(data)} bytes is over the 10 MB limit"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(bytes(data)))
            fmt = img.format or ""
            if fmt not in ALLOWED:
                raise ImageInputError(
                    codes.UNSUPPORTED_FORMAT,
                    f"{side}: {fmt or 'unknown'} is not JPEG/PNG/WebP/TIFF",
                )
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise ImageInputError(
                    codes.IMAGE_TOO_LARGE, f"{side}: {w}x{h} is over the 40 megapixel limit"
                )
            if min(w, h) < MIN_SIDE:
                raise ImageInputError(
                    codes.IMAGE_TOO_SMALL,
                    f"{side}: {w}x{h} is too small to read: characters would be under 4 px "
                    f"(min side {MIN_SIDE} px)",
                )
            frames = getattr(img, "n_frames", 1)
            if frames > 1 and fmt != "MPO":
                raise ImageInputError(
                    codes.MULTI_FRAME_IMAGE, f"{side}: {frames} frames (animated or multi-page)"
                )
            img.load()  # raises on truncated data
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(codes.IMAGE_TOO_LARGE, f"{side}: decompression bomb") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageInputError(
            codes.INVALID_IMAGE, f"{side}: not a readable image ({type(exc).__name__})"
        ) from exc
    rgb = np.asarray(img)
    return np.ascontiguousarray(rgb[:, :, ::-1]), ALLOWED[fmt]
