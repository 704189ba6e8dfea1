"""Perceptual hash of a frame (DCT pHash, 64 bits): a re-encoded or resized copy keeps
nearly the same hash, so re-used frames are caught even after re-compression.

Compare hashes by Hamming distance (`hamming`); `REUSE_MAX_DISTANCE` bits or fewer means the
same picture. In Postgres: `bit_count(('x' || a)::bit(64) # ('x' || b)::bit(64)) <= 8`.
"""

from __future__ import annotations

import cv2
import numpy as np

REUSE_MAX_DISTANCE = 8


def phash(img: np.ndarray) -> str:
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low[1:] > np.median(low[1:])
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
