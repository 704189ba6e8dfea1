"""PP-OCR (rapidocr-onnxruntime) text detection, direction and recognition, loaded once.

Model files come from the installed `rapidocr_onnxruntime` package (located with
importlib, not downloaded); each may be replaced by an operator's ONNX file through
`IDMESH_MODEL_OCR_DET`, `IDMESH_MODEL_OCR_REC`, `IDMESH_MODEL_OCR_CLS`. Thread counts are set
explicitly (`IDMESH_OCR_THREADS`, default 2) because the functions run on small machines.
Create the engine in the worker process (after any fork), then call `warm_up()`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shared.checks.result import ModelInfo

log = logging.getLogger(__name__)

_FILES = {
    "det": ("IDMESH_MODEL_OCR_DET", "ch_PP-OCRv4_det_infer.onnx", "PP-OCRv4 det"),
    "rec": ("IDMESH_MODEL_OCR_REC", "ch_PP-OCRv4_rec_infer.onnx", "PP-OCRv4 rec"),
    "cls": ("IDMESH_MODEL_OCR_CLS", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "PP-OCR mobile v2 cls"),
}
DET_LIMIT = 736  # longest side given to the detector


class ModelUnavailable(RuntimeError):
    pass


@dataclass
class TextBox:
    box: np.ndarray  # 4x2 float32, tl tr br bl in the image it was found in
    text: str = ""
    score: float = 0.0

    @property
    def cx(self) -> float:
        return float(self.box[:, 0].mean())

    @property
    def cy(self) -> float:
        return float(self.box[:, 1].mean())

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.box[1] - self.box[0]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.box[3] - self.box[0]))


def _package_dir() -> Path:
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or spec.origin is None:
        raise ModelUnavailable("rapidocr-onnxruntime is not installed")
    return Path(spec.origin).parent


def model_paths() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for key, (env, fname, _) in _FILES.items():
        p = os.environ.get(env)
        path = Path(p) if p else _package_dir() / "models" / fname
        if not path.is_file():
            raise ModelUnavailable(f"OCR model {key} not found at {path}")
        out[key] = path
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class OcrEngine:
    def __init__(self, threads: int | None = None) -> None:
        from rapidocr_onnxruntime import RapidOCR  # heavy import, done once

        threads = threads or int(os.environ.get("IDMESH_OCR_THREADS", "2"))
        paths = model_paths()
        self._rapid = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
            det_model_path=str(paths["det"]),
            rec_model_path=str(paths["rec"]),
            cls_model_path=str(paths["cls"]),
            det_limit_side_len=DET_LIMIT,
            det_limit_type="max",
            # Small batches: fewer boxes padded to the widest one (measured: 2 is fastest here).
            rec_batch_num=int(os.environ.get("IDMESH_OCR_REC_BATCH", "2")),
        )
        self.models = [
            ModelInfo(name=_FILES[k][2], version="rapidocr-onnxruntime", sha256=_sha256(p))
            for k, p in paths.items()
        ]
        self._lock = threading.Lock()

    def detect(self, img: np.ndarray, limit: int = DET_LIMIT) -> list[TextBox]:
        """Text boxes in image pixels; the detector sees the image at most `limit` wide."""
        h, w = img.shape[:2]
        scale = min(1.0, limit / max(h, w))
        small = (
            img
            if scale == 1.0
            else cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        with self._lock:
            boxes, _ = self._rapid.text_det(small)
        if boxes is None or len(boxes) == 0:
            return []
        return [TextBox(np.asarray(b, dtype=np.float32) / scale) for b in boxes]

    @staticmethod
    def crop(img: np.ndarray, box: np.ndarray, pad: float = 0.12) -> np.ndarray:
        pts = box.astype(np.float32)
        w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
        h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
        # grow the quad a little vertically and horizontally: detectors cut glyph edges
        c = pts.mean(axis=0)
        pts = c + (pts - c) * np.float32([1 + pad * h / max(w, 1), 1 + pad])
        w, h = max(w, 4), max(h, 4)
        m = cv2.getPerspectiveTransform(pts, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
        return cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)

    def recognise(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        with self._lock:
            res, _ = self._rapid.text_rec(crops)
        return [(str(t), float(s)) for t, s in res]

    def direction(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """'0' or '180' per crop (text upright or upside down)."""
        if not crops:
            return []
        with self._lock:
            _, cls_res, _ = self._rapid.text_cls(list(crops))
        return [(str(label), float(score)) for label, score in cls_res]

    def read(self, img: np.ndarray, boxes: list[TextBox], pad: float = 0.12) -> list[TextBox]:
        res = self.recognise([self.crop(img, b.box, pad=pad) for b in boxes])
        for b, (t, s) in zip(boxes, res, strict=True):
            b.text, b.score = t, s
        return boxes


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> OcrEngine:
    """The process-wide engine, created on first use (call `load()` at start instead)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = OcrEngine()
                log.info("OCR models loaded")
    return _engine


def load() -> OcrEngine:
    return get_engine()


def warm_up() -> None:
    """Run one inference so that the first request does not pay for lazy initialisation."""
    eng = get_engine()
    img = np.full((120, 600, 3), 255, np.uint8)
    cv2.putText(img, "P<UTO12345<<", (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
    boxes = eng.detect(img)
    eng.read(img, boxes or [TextBox(np.float32([[0, 0], [600, 0], [600, 120], [0, 120]]))])
    eng.direction([img])
