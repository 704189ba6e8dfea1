"""Decoding image bytes into BGR pixel arrays, with clear errors for bad input."""

from __future__ import annotations

import cv2
import numpy as np

MAX_PIXELS = 40_000_000
MAX_SIDE = 1600  # larger photos are downscaled: faces stay well above the size threshold


class BadImage(ValueError):
    """The bytes are not a decodable image."""


def decode_image(data: bytes, max_side: int = MAX_SIDE) -> np.ndarray:
    if not data:
        raise BadImage("empty image")
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error as exc:  # e.g. a header claiming more pixels than OpenCV's limit
        raise BadImage("not a decodable image (JPEG/PNG/WebP...)") from exc
    if img is None or img.size == 0:
        raise BadImage("not a decodable image (JPEG/PNG/WebP...)")
    h, w = img.shape[:2]
    if h * w > MAX_PIXELS:
        raise BadImage(f"image too large ({w}x{h})")
    scale = max_side / max(h, w)
    if scale < 1.0:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return img


def encode_jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise BadImage("cannot encode image")
    return buf.tobytes()
