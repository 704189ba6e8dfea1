"""PP-OCR (rapidocr-onnxruntime): text detection, recognition and direction, loaded once.

One engine per process, whichever readers use it: the document reader (`shared/documents/
ocr.py`) and the proof-of-address reader (`shared/poa/ocr.py`) each keep their own way of
cutting a page into lines, but both run these three networks, so a process that reads both
(the CLI, a bench) loads PP-OCR once. Files and overrides come from the model registry
(`IDMESH_MODEL_OCR_DET`, `..._REC`, `..._CLS`); intra-op threads from `IDMESH_OCR_THREADS`
(default 2: the functions run on small machines). Callers give the detector an image already
reduced to the size they want (under 960 px on its longest side it is not resized again).
Create it in the worker process (after any fork).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from shared.checks.result import ModelInfo
from shared.config import Settings
from shared.models.registry import MODELS, ModelUnavailable, model_info, model_path
from shared.observability.inference import inference

log = logging.getLogger(__name__)

KEYS = ("ocr_det", "ocr_rec", "ocr_cls")


def threads() -> int:
    return Settings.current().ocr_threads


class OcrEngine:
    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR  # heavy import, done once

        paths = {k: model_path(k) for k in KEYS}
        try:
            self._rapid = RapidOCR(
                intra_op_num_threads=threads(),
                inter_op_num_threads=1,
                det_model_path=str(paths["ocr_det"]),
                rec_model_path=str(paths["ocr_rec"]),
                cls_model_path=str(paths["ocr_cls"]),
                det_limit_type="max",
                print_verbose=False,
            )
        except Exception as exc:  # a corrupt or incompatible operator file
            raise ModelUnavailable(f"cannot load PP-OCR: {exc}") from exc
        self.info = {k: model_info(k) for k in KEYS}
        self._lock = threading.Lock()

    @property
    def models(self) -> list[ModelInfo]:
        return list(self.info.values())

    def _sha(self, key: str) -> str:
        return self.info[key].sha256

    def detect(self, bgr: np.ndarray, *, sort: bool = False) -> list[np.ndarray]:
        """Text quadrilaterals (4x2 float32, tl tr br bl) in the given image's pixels;
        `sort`: in reading order (top to bottom, left to right)."""
        with self._lock, inference(MODELS["ocr_det"].name, self._sha("ocr_det")):
            boxes, _ = self._rapid.text_det(bgr)
            if boxes is None or len(boxes) == 0:
                return []
            if sort:
                boxes = self._rapid.sorted_boxes(boxes)
        return [np.asarray(b, dtype=np.float32) for b in boxes]

    def recognise(
        self, crops: list[np.ndarray], *, batch: int = 2, word_columns: bool = False
    ) -> list[tuple[Any, ...]]:
        """(text, score) per crop; with `word_columns` also the characters' CTC columns.
        `batch`: crops recognised together (small batches pad less)."""
        if not crops:
            return []
        with self._lock, inference(MODELS["ocr_rec"].name, self._sha("ocr_rec")):
            rec = self._rapid.text_rec
            before, rec.rec_batch_num = rec.rec_batch_num, batch
            try:
                res, _ = rec(crops, word_columns)
            finally:
                rec.rec_batch_num = before
        return [tuple(r) for r in res]

    def crops(self, bgr: np.ndarray, boxes: list[np.ndarray]) -> list[np.ndarray]:
        """rapidocr's own rectified crops of the boxes (rotated text straightened)."""
        return self._rapid.get_crop_img_list(bgr, boxes)

    def direction(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """'0' or '180' per crop (text upright or upside down)."""
        if not crops:
            return []
        with self._lock, inference(MODELS["ocr_cls"].name, self._sha("ocr_cls")):
            _, cls_res, _ = self._rapid.text_cls(list(crops))
        return [(str(label), float(score)) for label, score in cls_res]


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> OcrEngine:
    """The process-wide engine, created on first use (functions create it at start)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = OcrEngine()
                log.info("PP-OCR loaded")
    return _engine
