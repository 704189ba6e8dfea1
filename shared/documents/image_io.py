"""Decode and validate an uploaded document image before any model sees it.

Accepts JPEG, PNG, WebP and TIFF, one frame only, at most 10 MB and 40 megapixels, through the
shared image guard (`shared/imaging/guard.py`: header first, so a decompression bomb is
refused before it is expanded). EXIF orientation is applied.
"""

from __future__ import annotations

import numpy as np

from shared.documents import codes
from shared.imaging.guard import ImageLimits, ImageRefused, decode_bgr

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Below this the MRZ characters of even a TD1 card filling the frame are under 4 px: nothing
# can read them. Larger small captures are enlarged before reading, not refused.
MIN_SIDE = 120
LIMITS = ImageLimits(max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, min_side=MIN_SIDE)
_CODES = {
    "empty": codes.INVALID_IMAGE,
    "too_many_bytes": codes.IMAGE_TOO_LARGE,
    "unsupported_format": codes.UNSUPPORTED_FORMAT,
    "too_many_pixels": codes.IMAGE_TOO_LARGE,
    "too_large_decoded": codes.IMAGE_TOO_LARGE,
    "too_many_frames": codes.MULTI_FRAME_IMAGE,
    "too_small": codes.IMAGE_TOO_SMALL,
    "undecodable": codes.INVALID_IMAGE,
}


class ImageInputError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def decode_image(data: bytes, side: str = "front") -> tuple[np.ndarray, str]:
    """Return a BGR uint8 array and the format name, or raise ImageInputError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageInputError(codes.INVALID_IMAGE, f"{side}: not bytes")
    try:
        bgr, header = decode_bgr(bytes(data), LIMITS)
    except ImageRefused as exc:
        message = exc.message
        if exc.reason == "too_small":
            message += ": characters would be under 4 px"
        raise ImageInputError(_CODES[exc.reason], f"{side}: {message}") from exc
    return bgr, header.name
