"""Find the holder's portrait on a rectified document (OpenCV Haar cascade, loaded once).

The cascade file comes from OpenCV's own data directory (`cv2.data.haarcascades`), or from
`IDMESH_MODEL_FACE_HAAR`. Only faces of plausible portrait size (a photo on a document takes
10-40 % of its width) are kept; the largest wins. The crop keeps head and shoulders.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import cv2
import numpy as np

from shared.checks.result import ModelInfo

_CASCADE = "haarcascade_frontalface_default.xml"
_lock = threading.Lock()
_clf: cv2.CascadeClassifier | None = None
_info: ModelInfo | None = None


def cascade_path() -> Path:
    env = os.environ.get("IDMESH_MODEL_FACE_HAAR")
    return Path(env) if env else Path(cv2.data.haarcascades) / _CASCADE


def load() -> tuple[cv2.CascadeClassifier, ModelInfo]:
    global _clf, _info
    with _lock:
        if _clf is None:
            p = cascade_path()
            clf = cv2.CascadeClassifier(str(p))
            if clf.empty():
                raise RuntimeError(f"face cascade not loadable: {p}")
            _info = ModelInfo(
                name="opencv haarcascade_frontalface_default",
                version=cv2.__version__,
                sha256=hashlib.sha256(p.read_bytes()).hexdigest(),
            )
            _clf = clf
    assert _clf is not None and _info is not None
    return _clf, _info


def find_portrait(doc: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the face on the document, in document pixels."""
    clf, _ = load()
    h, w = doc.shape[:2]
    scale = 560.0 / w
    grey = cv2.cvtColor(cv2.resize(doc, None, fx=scale, fy=scale), cv2.COLOR_BGR2GRAY)
    grey = cv2.equalizeHist(grey)
    sw = grey.shape[1]
    faces = clf.detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=5, minSize=(int(sw * 0.08), int(sw * 0.08)),
        maxSize=(int(sw * 0.45), int(sw * 0.45)),
    )  # fmt: skip
    if len(faces) == 0:
        return None
    x, y, fw, fh = max(faces, key=lambda f: f[2] * f[3])
    return (int(x / scale), int(y / scale), int(fw / scale), int(fh / scale))


def crop_portrait(doc: np.ndarray, face: tuple[int, int, int, int]) -> bytes:
    x, y, fw, fh = face
    h, w = doc.shape[:2]
    x0, y0 = max(0, int(x - 0.4 * fw)), max(0, int(y - 0.5 * fh))
    x1, y1 = min(w, int(x + 1.4 * fw)), min(h, int(y + 1.6 * fh))
    ok, buf = cv2.imencode(".jpg", doc[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise RuntimeError("portrait encoding failed")
    return buf.tobytes()
