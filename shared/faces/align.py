"""Alignment of a face on its five landmarks (similarity transform)."""

from __future__ import annotations

import cv2
import numpy as np

# The 112x112 template SFace (and ArcFace-style models) were trained on.
ARCFACE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)

# Eye centres of dlib's 5-point face chip (mean of the two corners of each eye), in [0, 1].
DLIB_EYES = np.array([[0.22732, 0.22139], [0.75281, 0.22123]], dtype=np.float32)


def warp_to_template(img: np.ndarray, src: np.ndarray, dst: np.ndarray, size: int) -> np.ndarray:
    matrix, _ = cv2.estimateAffinePartial2D(src.astype(np.float32), dst, method=cv2.LMEDS)
    if matrix is None:
        raise ValueError("landmarks do not define a transform")
    return cv2.warpAffine(
        img, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def align_arcface(img: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    return warp_to_template(img, landmarks, ARCFACE_112, 112)


def dlib_style_chip(
    img: np.ndarray, landmarks: np.ndarray, size: int, padding: float
) -> np.ndarray:
    """A chip laid out like dlib's `get_face_chip` (eyes level, given padding)."""
    dst = (padding + DLIB_EYES) / (2 * padding + 1) * size
    return warp_to_template(img, landmarks[:2], dst.astype(np.float32), size)
