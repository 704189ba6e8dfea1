"""Face quality figures (size, sharpness, exposure, pose) and the warnings they raise."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from shared.checks.result import CheckWarning, Severity
from shared.faces import codes
from shared.faces.detect import Face
from shared.faces.pose import Pose, head_pose


@dataclass(frozen=True)
class QualityLimits:
    min_face_px: float = 60.0
    min_sharpness: float = 50.0
    min_brightness: float = 50.0
    max_brightness: float = 225.0
    max_yaw: float = 35.0
    max_pitch: float = 30.0
    max_roll: float = 30.0


@dataclass(frozen=True)
class FaceQuality:
    face_px: float
    sharpness: float
    brightness: float
    pose: Pose

    def as_dict(self) -> dict:
        return {
            "face_px": round(self.face_px, 1),
            "sharpness": round(self.sharpness, 1),
            "brightness": round(self.brightness, 1),
            "pose": self.pose.as_dict(),
            "eyes_closed": "not_evaluated",
        }


def face_crop(img: np.ndarray, face: Face, margin: float = 0.0) -> np.ndarray:
    x, y, w, h = face.box
    x0 = int(max(0, x - margin * w))
    y0 = int(max(0, y - margin * h))
    x1 = int(min(img.shape[1], x + w * (1 + margin)))
    y1 = int(min(img.shape[0], y + h * (1 + margin)))
    return img[y0:y1, x0:x1]


def measure(img: np.ndarray, face: Face) -> FaceQuality:
    crop = face_crop(img, face)
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.size else np.zeros((8, 8), np.uint8)
    # sharpness at a fixed scale so that it does not depend on the face size
    norm = cv2.resize(gray, (112, 112), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(norm, cv2.CV_64F).var())
    # brightness of the central part of the face (skin), not hair or background
    h, w = norm.shape
    brightness = float(norm[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean())
    return FaceQuality(
        face_px=float(min(face.width, face.height)),
        sharpness=sharpness,
        brightness=brightness,
        pose=head_pose(face.landmarks),
    )


def quality_warnings(q: FaceQuality, limits: QualityLimits, label: str = "") -> list[CheckWarning]:
    where = f" ({label})" if label else ""
    out: list[CheckWarning] = []

    def add(code: str, msg: str) -> None:
        out.append(CheckWarning(code=code, severity=Severity.warning, message=msg + where))

    if q.face_px < limits.min_face_px:
        add(codes.FACE_TOO_SMALL, f"face is {q.face_px:.0f} px, under {limits.min_face_px:.0f} px")
    if q.sharpness < limits.min_sharpness:
        add(
            codes.FACE_BLURRED, f"face sharpness {q.sharpness:.0f} under {limits.min_sharpness:.0f}"
        )
    if q.brightness < limits.min_brightness:
        add(
            codes.FACE_TOO_DARK,
            f"face brightness {q.brightness:.0f} under {limits.min_brightness:.0f}",
        )
    if q.brightness > limits.max_brightness:
        add(
            codes.FACE_OVEREXPOSED,
            f"face brightness {q.brightness:.0f} over {limits.max_brightness:.0f}",
        )
    p = q.pose
    if (
        abs(p.yaw) > limits.max_yaw
        or abs(p.pitch) > limits.max_pitch
        or abs(p.roll) > limits.max_roll
    ):
        add(
            codes.POSE_TOO_STRONG,
            f"head pose yaw {p.yaw:.0f}, pitch {p.pitch:.0f}, roll {p.roll:.0f} deg",
        )
    return out


def competing_faces(faces: list[Face], ratio: float = 0.35) -> int:
    """How many faces besides the largest are at least `ratio` of its area."""
    if len(faces) < 2:
        return 0
    main = faces[0].width * faces[0].height
    return sum(1 for f in faces[1:] if f.width * f.height >= ratio * main)
