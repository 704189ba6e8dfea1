"""Image quality figures: sharpness, brightness, glare, resolution, document in frame."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel

from shared.documents import codes


class QualityThresholds(BaseModel):
    min_sharpness: float = 500.0  # Laplacian variance, contrast-stretched document 640 px wide
    min_brightness: float = 90.0  # mean grey level 0-255
    max_brightness: float = 225.0
    max_glare_ratio: float = 0.04  # share of saturated pixels on the document
    # width of the document in source pixels; 320 px is about 6 px per MRZ character (TD3),
    # the least OCR-B reads at once small captures are enlarged
    min_document_width_px: int = 320
    min_mrz_char_px: float = 6.0  # MRZ character pitch in source pixels, when an MRZ was read


class DocumentQuality(BaseModel):
    sharpness: float
    brightness: float
    glare_ratio: float
    document_width_px: int
    image_width: int
    image_height: int
    document_detected: bool
    fully_in_frame: bool
    mrz_char_px: float | None = None  # MRZ character pitch in source pixels (MRZ read)

    def warnings(self, t: QualityThresholds) -> list[str]:
        out: list[str] = []
        if self.sharpness < t.min_sharpness:
            out.append(codes.IMAGE_BLURRY)
        if self.brightness < t.min_brightness:
            out.append(codes.IMAGE_TOO_DARK)
        if self.brightness > t.max_brightness:
            out.append(codes.IMAGE_TOO_BRIGHT)
        if self.glare_ratio > t.max_glare_ratio:
            out.append(codes.GLARE_DETECTED)
        # resolution: judged by the MRZ characters when there is an MRZ (a small scan whose
        # MRZ reads is not low resolution), else by the document's width
        if self.mrz_char_px is not None:
            if self.mrz_char_px < t.min_mrz_char_px:
                out.append(codes.LOW_RESOLUTION)
        elif self.document_width_px < t.min_document_width_px:
            out.append(codes.LOW_RESOLUTION)
        if not self.document_detected:
            out.append(codes.DOCUMENT_NOT_DETECTED)
        elif not self.fully_in_frame:
            out.append(codes.DOCUMENT_NOT_FULLY_IN_FRAME)
        return out


def measure(
    image: np.ndarray,
    document: np.ndarray,
    *,
    detected: bool,
    in_frame: bool,
    source_width_px: int,
) -> DocumentQuality:
    """Figures on the rectified document (or the whole image when none was detected)."""
    grey = cv2.cvtColor(document, cv2.COLOR_BGR2GRAY)
    scale = 640.0 / max(1, grey.shape[1])
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # contrast-stretched first, so that a dark but sharp photo is not called blurry
    lo, hi = np.percentile(small, (2, 98))
    stretched = np.clip((small.astype(np.float32) - lo) * (255.0 / max(hi - lo, 1.0)), 0, 255)
    stretched = stretched.astype(np.float32)
    sharp = float(cv2.Laplacian(stretched, cv2.CV_32F).var())
    bright = float(small.mean())
    # glare = large saturated patches: a blur removes thin white areas (margins, quiet zones)
    glare = float((cv2.blur(small, (31, 31)) >= 245).mean())
    return DocumentQuality(
        sharpness=round(sharp, 1),
        brightness=round(bright, 1),
        glare_ratio=round(glare, 4),
        document_width_px=int(source_width_px),
        image_width=int(image.shape[1]),
        image_height=int(image.shape[0]),
        document_detected=detected,
        fully_in_frame=in_frame,
    )
