"""Decoding image bytes into BGR pixel arrays, with clear errors for bad input.

Every image goes through the shared guard (`shared/imaging/guard.py`): the header's size,
frame count and decoded-size budget are checked before a single pixel is decoded.
"""

from __future__ import annotations

import cv2
import numpy as np

from shared.imaging.guard import ImageLimits, ImageRefused, decode_bgr

MAX_PIXELS = 40_000_000
MAX_SIDE = 1600  # larger photos are downscaled: faces stay well above the size threshold
LIMITS = ImageLimits(max_bytes=20 * 1024 * 1024, max_pixels=MAX_PIXELS)


class BadImage(ValueError):
    """The bytes are not a decodable image, or are refused by the image guard."""


def decode_image(data: bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    try:
        img, _ = decode_bgr(data, LIMITS, max_side)
    except ImageRefused as exc:
        raise BadImage(exc.message) from exc
    return img


def encode_jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise BadImage("cannot encode image")
    return buf.tobytes()
