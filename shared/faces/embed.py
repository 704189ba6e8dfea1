"""Face embedding (SFace ONNX, 128-D) on an aligned 112x112 crop; L2-normalised."""

from __future__ import annotations

import cv2
import numpy as np

from shared.faces import models
from shared.faces.align import align_arcface
from shared.faces.detect import Face

DIM = 128


def embed_aligned(aligned_bgr: np.ndarray) -> np.ndarray:
    rgb = cv2.cvtColor(aligned_bgr, cv2.COLOR_BGR2RGB)
    blob = rgb.transpose(2, 0, 1)[None].astype(np.float32)
    sess = models.session("sface")
    out = sess.run(None, {sess.get_inputs()[0].name: blob})[0][0].astype(np.float32)
    norm = float(np.linalg.norm(out))
    return out / norm if norm > 0 else out


TEMPLATE_EYE_DISTANCE = 35.2  # between the eyes of the 112x112 template


def embed(img: np.ndarray, face: Face) -> np.ndarray:
    # Anti-aliasing: a large face is area-downscaled to about twice the template size,
    # otherwise the warp samples fine patterns (print halftone, screen grid) into noise.
    scale = 2 * TEMPLATE_EYE_DISTANCE / max(face.eye_distance, 1e-3)
    landmarks = face.landmarks
    if scale < 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        landmarks = landmarks * scale
    return embed_aligned(align_arcface(img, landmarks))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
