"""One image in: its faces, the chosen face's quality figures and embedding."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from shared.checks.result import CheckWarning, Severity
from shared.faces import codes
from shared.faces.detect import Face, detect_faces
from shared.faces.embed import embed
from shared.faces.image_io import decode_image
from shared.faces.quality import (
    FaceQuality,
    QualityLimits,
    competing_faces,
    measure,
    quality_warnings,
)

SCREEN_PEAK = 1.6  # periodic-pattern peak ratio (log10) of a halftone print


def is_screened(img: np.ndarray, face: Face) -> bool:
    from shared.faces.liveness_passive import _native_patch, periodic_peak_ratio

    return periodic_peak_ratio(_native_patch(img, face)) > SCREEN_PEAK


def descreen(img: np.ndarray) -> np.ndarray:
    sigma = max(1.0, max(img.shape[:2]) / 500.0)
    return cv2.GaussianBlur(img, (0, 0), sigma)


class NoFace(ValueError):
    """No face was found in the image."""


@dataclass
class FaceAnalysis:
    image: np.ndarray
    faces: list[Face]
    face: Face
    quality: FaceQuality
    warnings: list[CheckWarning] = field(default_factory=list)
    embedding: np.ndarray | None = None
    descreened: bool = False

    def as_dict(self) -> dict:
        return {
            **self.face.as_dict(),
            "faces_found": len(self.faces),
            "quality": self.quality.as_dict(),
            "descreened": self.descreened,
        }


def analyse_image(
    img: np.ndarray,
    limits: QualityLimits | None = None,
    label: str = "",
    with_embedding: bool = True,
    min_score: float = 0.6,
) -> FaceAnalysis:
    faces = detect_faces(img, min_score=min_score)
    descreened = False
    if not faces or is_screened(img, faces[0]):
        # printed portraits (halftone dots) confuse the detector and the embedding: low-pass
        # the picture and look again
        soft = descreen(img)
        soft_faces = detect_faces(soft, min_score=min_score)
        if soft_faces:
            img, faces, descreened = soft, soft_faces, True
    if not faces:
        raise NoFace(f"no face detected{f' ({label})' if label else ''}")
    face = faces[0]
    q = measure(img, face)
    warnings = quality_warnings(q, limits or QualityLimits(), label)
    extra = competing_faces(faces)
    if extra:
        warnings.insert(
            0,
            CheckWarning(
                code=codes.MULTIPLE_FACES_DETECTED,
                severity=Severity.warning,
                message=f"{extra + 1} faces of similar size; the largest was used"
                + (f" ({label})" if label else ""),
            ),
        )
    result = FaceAnalysis(
        image=img, faces=faces, face=face, quality=q, warnings=warnings, descreened=descreened
    )
    if with_embedding:
        result.embedding = embed(img, face)
    return result


def analyse_bytes(
    data: bytes, limits: QualityLimits | None = None, label: str = ""
) -> FaceAnalysis:
    return analyse_image(decode_image(data), limits, label)
