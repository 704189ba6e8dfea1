"""Every capture is checked at once, with the engines' own quality figures, so the user can
retake it with the reason: documents (blur, light, glare, resolution, detection, in frame)
and faces (found, one face, size, blur, exposure, pose). Proof-of-address files are only
checked for type (the engine reads them later)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.documents import codes as doc_codes
from shared.documents.detect import detect_document
from shared.documents.image_io import ImageInputError
from shared.documents.image_io import decode_image as decode_document
from shared.documents.quality import QualityThresholds, measure
from shared.faces import codes as face_codes
from shared.faces.detect import detect_faces
from shared.faces.image_io import BadImage
from shared.faces.image_io import decode_image as decode_face
from shared.faces.quality import QualityLimits, competing_faces, quality_warnings
from shared.faces.quality import measure as measure_face

UNREADABLE = "UNREADABLE"
# Quality codes that a retake can fix, most useful advice first. The others (e.g. the
# document outline not found on a plain background) are advice, not a reason to refuse.
DOCUMENT_RETAKE = (
    doc_codes.DOCUMENT_NOT_FULLY_IN_FRAME,
    doc_codes.IMAGE_BLURRY,
    doc_codes.GLARE_DETECTED,
    doc_codes.IMAGE_TOO_DARK,
    doc_codes.IMAGE_TOO_BRIGHT,
    doc_codes.LOW_RESOLUTION,
)
FACE_RETAKE = (
    face_codes.NO_FACE_DETECTED,
    face_codes.MULTIPLE_FACES_DETECTED,
    face_codes.FACE_TOO_SMALL,
    face_codes.FACE_BLURRED,
    face_codes.FACE_TOO_DARK,
    face_codes.FACE_OVEREXPOSED,
    face_codes.POSE_TOO_STRONG,
)


@dataclass(frozen=True)
class CaptureVerdict:
    ok: bool
    codes: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        return self.codes[0] if self.codes else None


def load_models() -> None:
    """The face detector is loaded once per process, before the function is ready."""
    from shared.faces import models

    models.load(("yunet",))
    detect_faces(np.zeros((64, 64, 3), np.uint8))


def check_document(data: bytes, thresholds: QualityThresholds | None = None) -> CaptureVerdict:
    t = thresholds or QualityThresholds()
    try:
        img, _ = decode_document(data)
    except ImageInputError as exc:
        return CaptureVerdict(False, (exc.code, UNREADABLE))
    det = detect_document(img)
    q = measure(
        img,
        det.document,
        detected=det.detected,
        in_frame=det.in_frame,
        source_width_px=det.source_width_px,
    )
    found = set(q.warnings(t))
    bad = tuple(c for c in DOCUMENT_RETAKE if c in found)
    return CaptureVerdict(not bad, bad)


def check_face(data: bytes, limits: QualityLimits | None = None) -> CaptureVerdict:
    try:
        img = decode_face(data)
    except BadImage:
        return CaptureVerdict(False, (UNREADABLE,))
    faces = detect_faces(img)
    if not faces:
        return CaptureVerdict(False, (face_codes.NO_FACE_DETECTED,))
    found = {
        w.code for w in quality_warnings(measure_face(img, faces[0]), limits or QualityLimits())
    }
    if competing_faces(faces):
        found.add(face_codes.MULTIPLE_FACES_DETECTED)
    bad = tuple(c for c in FACE_RETAKE if c in found)
    return CaptureVerdict(not bad, bad)


def check_capture(kind: str, data: bytes) -> CaptureVerdict:
    if kind in ("document_front", "document_back"):
        return check_document(data)
    if kind == "selfie":
        return check_face(data)
    return CaptureVerdict(True)
