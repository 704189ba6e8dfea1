"""One image in: its faces, the chosen face's quality figures and embedding."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shared.checks.result import CheckWarning, Severity
from shared.faces import codes
from shared.faces.detect import Face, detect_faces
from shared.faces.embed import embed
from shared.faces.image_io import decode_image
from shared.faces.quality import Quality, QualityLimits, competing_faces, measure, quality_warnings


class NoFace(ValueError):
    """No face was found in the image."""


@dataclass
class FaceAnalysis:
    image: np.ndarray
    faces: list[Face]
    face: Face
    quality: Quality
    warnings: list[CheckWarning] = field(default_factory=list)
    embedding: np.ndarray | None = None

    def as_dict(self) -> dict:
        return {
            **self.face.as_dict(),
            "faces_found": len(self.faces),
            "quality": self.quality.as_dict(),
        }


def analyse_image(
    img: np.ndarray,
    limits: QualityLimits | None = None,
    label: str = "",
    with_embedding: bool = True,
    min_score: float = 0.6,
) -> FaceAnalysis:
    faces = detect_faces(img, min_score=min_score)
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
    result = FaceAnalysis(image=img, faces=faces, face=face, quality=q, warnings=warnings)
    if with_embedding:
        result.embedding = embed(img, face)
    return result


def analyse_bytes(
    data: bytes, limits: QualityLimits | None = None, label: str = ""
) -> FaceAnalysis:
    return analyse_image(decode_image(data), limits, label)
