"""Find the holder's portrait on a rectified document (face detector loaded once).

YuNet (OpenCV `FaceDetectorYN`) is used when its file is found (model registry key `yunet`,
the same file as the face engine's, `IDMESH_MODEL_YUNET`); otherwise OpenCV's bundled Haar
cascade (`haar_face`, `IDMESH_MODEL_HAAR_FACE`). Only faces of plausible portrait size (a
photo on a document takes 10-40 % of its width) are kept; the largest wins. The crop keeps
head and shoulders.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from shared.checks.result import ModelInfo
from shared.models.registry import ModelUnavailable, model_info, model_path

_lock = threading.Lock()
_detector: _Detector | None = None


class _Detector:
    """YuNet (cv2.FaceDetectorYN) when its ONNX file is available, else the Haar cascade."""

    def __init__(self) -> None:
        yunet = yunet_path()
        self.kind = "haar"
        if yunet is not None and hasattr(cv2, "FaceDetectorYN"):
            self.yunet = cv2.FaceDetectorYN.create(str(yunet), "", (320, 320), 0.6, 0.3, 50)
            self.kind = "yunet"
            self.info = model_info("yunet")
            return
        p = cascade_path()
        self.haar = cv2.CascadeClassifier(str(p))
        if self.haar.empty():
            raise ModelUnavailable(f"face cascade not loadable: {p}")
        self.info = model_info("haar_face")

    def faces(self, small: np.ndarray) -> list[tuple[int, int, int, int]]:
        sw = small.shape[1]
        lo, hi = int(sw * 0.08), int(sw * 0.45)
        if self.kind == "yunet":
            self.yunet.setInputSize((small.shape[1], small.shape[0]))
            _, found = self.yunet.detect(small)
            boxes = [] if found is None else [tuple(int(v) for v in f[:4]) for f in found]
        else:
            grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            found = self.haar.detectMultiScale(
                grey, scaleFactor=1.05, minNeighbors=3, minSize=(lo, lo), maxSize=(hi, hi)
            )
            boxes = [tuple(int(v) for v in f) for f in found]
        return [b for b in boxes if lo <= b[2] <= hi]


def yunet_path() -> Path | None:
    try:
        return model_path("yunet")
    except ModelUnavailable:
        return None


def cascade_path() -> Path:
    return model_path("haar_face")


def load() -> tuple[_Detector, ModelInfo]:
    global _detector
    with _lock:
        if _detector is None:
            _detector = _Detector()
    return _detector, _detector.info


def find_portrait(doc: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the face on the document, in document pixels."""
    det, _ = load()
    scale = 560.0 / doc.shape[1]
    small = cv2.resize(doc, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    faces = det.faces(small)
    if not faces:
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
