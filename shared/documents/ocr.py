"""The document reader's view of PP-OCR: text boxes on a card, read and oriented.

The networks are the process's one PP-OCR engine (`shared/ocr/engine.py`, shared with the
proof-of-address reader); this module sizes the detector's input for cards (`DET_LIMIT`),
crops boxes with the padding card print needs and recognises them in small batches
(`IDMESH_OCR_REC_BATCH`, default 2: fewer boxes padded to the widest one). Create it in the
worker process (after any fork): `load()`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from shared.checks.result import ModelInfo
from shared.config import Settings
from shared.models.registry import ModelUnavailable
from shared.ocr.engine import OcrEngine as _Networks
from shared.ocr.engine import get_engine as _networks

log = logging.getLogger(__name__)

DET_LIMIT = 736  # longest side given to the detector


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


class CardOcr:
    """Card reading on the shared PP-OCR networks."""

    def __init__(self, networks: _Networks | None = None) -> None:
        self.networks = networks or _networks()
        self.batch = Settings.from_env().ocr_rec_batch

    @property
    def models(self) -> list[ModelInfo]:
        return self.networks.models

    def detect(self, img: np.ndarray, limit: int = DET_LIMIT) -> list[TextBox]:
        """Text boxes in image pixels; the detector sees the image at most `limit` wide."""
        h, w = img.shape[:2]
        scale = min(1.0, limit / max(h, w))
        small = (
            img
            if scale == 1.0
            else cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        return [TextBox(b / scale) for b in self.networks.detect(small)]

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
        res = self.networks.recognise(crops, batch=self.batch)
        return [(str(r[0]), float(r[1])) for r in res]

    def direction(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """'0' or '180' per crop (text upright or upside down)."""
        return self.networks.direction(crops)

    def read(self, img: np.ndarray, boxes: list[TextBox], pad: float = 0.12) -> list[TextBox]:
        res = self.recognise([self.crop(img, b.box, pad=pad) for b in boxes])
        for b, (t, s) in zip(boxes, res, strict=True):
            b.text, b.score = t, s
        return boxes


__all__ = ["DET_LIMIT", "ModelUnavailable", "CardOcr", "TextBox", "get_engine"]


@lru_cache(maxsize=1)
def get_engine() -> CardOcr:
    """The process-wide card reader (its networks are the process's one PP-OCR engine)."""
    return CardOcr()


def load() -> CardOcr:
    return get_engine()
