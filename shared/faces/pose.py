"""Approximate head pose from the five landmarks (no 3-D model: ratios, in degrees)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Nose position between eye line and mouth line on frontal faces (measured on the test faces).
NEUTRAL_NOSE_T = 0.54


@dataclass(frozen=True)
class Pose:
    yaw: float  # > 0: nose towards image right (the person's left on an unmirrored camera)
    pitch: float  # > 0: looking up
    roll: float  # > 0: clockwise in the image

    def as_dict(self) -> dict[str, float]:
        return {
            "yaw": round(self.yaw, 1),
            "pitch": round(self.pitch, 1),
            "roll": round(self.roll, 1),
        }


def head_pose(landmarks: np.ndarray) -> Pose:
    re, le, nose, rm, lm = (landmarks[i].astype(np.float64) for i in range(5))
    eye_vec = le - re
    roll = math.degrees(math.atan2(eye_vec[1], eye_vec[0]))
    # rotate into a roll-free frame centred on the eye midpoint
    c, s = math.cos(-math.radians(roll)), math.sin(-math.radians(roll))
    rot = np.array([[c, -s], [s, c]])
    eyes_mid = (re + le) / 2
    eye_d = float(np.linalg.norm(eye_vec)) or 1.0
    n = rot @ (nose - eyes_mid)
    m = rot @ (((rm + lm) / 2) - eyes_mid)
    mid_x_at_nose = m[0] * (n[1] / m[1]) if abs(m[1]) > 1e-6 else 0.0
    yaw_ratio = (n[0] - mid_x_at_nose) / eye_d
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, yaw_ratio / 0.6))))
    t = n[1] / m[1] if abs(m[1]) > 1e-6 else NEUTRAL_NOSE_T
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, (NEUTRAL_NOSE_T - t) / 0.35))))
    return Pose(yaw=yaw, pitch=pitch, roll=roll)
