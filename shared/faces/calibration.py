"""Cosine similarity (SFace) -> score 0..100.

A logistic curve centred on `COSINE_AT_50`. The centre is OpenCV Zoo's published SFace
threshold (0.363, chosen on LFW, thousands of identities): our own test faces are too few to
move it. The slope comes from the measured genuine/impostor distributions of
`python -m bench.faces` (genuine pairs incl. document-style transformations vs impostors):
it spreads the overlap zone over roughly 20..80. Re-run the bench and update both figures
when replacing the model (an operator ONNX needs its own calibration).
"""

from __future__ import annotations

import math

COSINE_AT_50 = 0.363
SLOPE = 0.055


def similarity_score(cosine: float, centre: float = COSINE_AT_50, slope: float = SLOPE) -> float:
    z = (cosine - centre) / slope
    z = max(-50.0, min(50.0, z))
    return round(100.0 / (1.0 + math.exp(-z)), 2)


def cosine_for_score(score: float, centre: float = COSINE_AT_50, slope: float = SLOPE) -> float:
    """The cosine at which `similarity_score` equals `score` (0 < score < 100)."""
    p = min(max(score / 100.0, 1e-9), 1 - 1e-9)
    return centre + slope * math.log(p / (1 - p))
