"""Fake-camera videos for Chromium (`--use-file-for-fake-video-capture`): I420 Y4M files
written with numpy/OpenCV from the generated documents and the test faces. Chromium opens
the file each time a page starts the camera, so a test rewrites it between steps."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.documents import generator as docs
from tests.faces import generator as faces

FPS = 10
# The page's liveness timing (flow.js): lead-in, one window per move, tail.
LEAD_S, STEP_S, TAIL_S = 1.2, 2.5, 0.8


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """BGR frames (same even size) to an I420 Y4M file."""
    h, w = frames[0].shape[:2]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for fr in frames:
            f.write(b"FRAME\n")
            f.write(cv2.cvtColor(fr, cv2.COLOR_BGR2YUV_I420).tobytes())
    tmp.replace(path)
    return path


def _fit(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Letterboxed into w x h on a neutral grey (a room behind the subject)."""
    scale = min(w / img.shape[1], h / img.shape[0])
    small = cv2.resize(
        img, (int(img.shape[1] * scale) // 2 * 2, int(img.shape[0] * scale) // 2 * 2)
    )
    out = np.full((h, w, 3), 110, np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def _noisy(img: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        np.clip(img.astype(np.int16) + rng.normal(0, 1.5, img.shape), 0, 255).astype(np.uint8)
        for _ in range(n)
    ]


def document_frames(kind: str = "td3", seed: int = 4242, n: int = 10) -> tuple[list, dict]:
    """A generated document photographed on a table (1280x800), held still."""
    from datetime import date

    valid = {"expiry_date": date(date.today().year + 6, 3, 1)}
    sample = docs.make_sample(kind, "clean", seed, changes=valid)
    img = cv2.imdecode(np.frombuffer(sample.front, np.uint8), cv2.IMREAD_COLOR)
    img = cv2.resize(img, (1280, 800)) if img.shape[:2] != (800, 1280) else img
    return _noisy(img, n, seed), sample.truth


def face_image(name: str = "obama") -> np.ndarray:
    return _fit(faces.load(name), 640, 480)


def selfie_frames(name: str = "obama", n: int = 10) -> list[np.ndarray]:
    return _noisy(face_image(name), n, 7)


def still_frames(name: str = "obama", n: int = 10) -> list[np.ndarray]:
    """A replayed photo: the very same picture in every frame."""
    img = face_image(name)
    return [img.copy() for _ in range(n)]


# Peak angles of each move (degrees): a person doing the challenge in front of a webcam.
MOVE_ANGLES = {
    "turn_left": (26.0, 0.0, 1.0),  # nose to image right (the person's left, unmirrored)
    "turn_right": (-26.0, 0.0, 1.0),
    "look_up": (0.0, 25.0, 1.0),
    "look_down": (0.0, -25.0, 1.0),
    "come_closer": (0.0, 0.0, 1.5),
}


def webcam_face(name: str = "obama") -> np.ndarray:
    """The face as a webcam at arm's length sees it (640x480, the face a third of the width),
    cropped from the test portrait rather than letterboxed."""
    from shared.faces.detect import detect_faces

    src = faces.load(name)
    lm = detect_faces(src)[0].landmarks
    ed = float(np.linalg.norm(lm[1] - lm[0]))
    cx, cy = (lm[0] + lm[1] + lm[3] + lm[4]) / 4
    hw, hh = 3.2 * ed, 2.4 * ed
    crop = src[max(0, int(cy - hh)) : int(cy + hh), max(0, int(cx - hw)) : int(cx + hw)]
    return cv2.resize(crop, (640, 480), interpolation=cv2.INTER_CUBIC)


def rotate_head(
    img: np.ndarray, landmarks: np.ndarray, yaw_deg: float, pitch_deg: float, zoom: float = 1.0
) -> np.ndarray:
    """A head rotation, not a shift: the face is a surface in 3-D (an ellipsoid from the
    landmarks plus the nose standing out of it), rotated about the head's centre (yaw > 0:
    nose to image right; pitch > 0: looking up) and projected back, so the parts nearer the
    camera (the nose) move more than the eyes and mouth, as when a real head turns or nods.
    The background stays where it is (the displacement fades out around the head)."""
    h, w = img.shape[:2]
    lm = np.asarray(landmarks, np.float64)
    ed = float(np.linalg.norm(lm[1] - lm[0]))
    cx, cy = (lm[0] + lm[1] + lm[3] + lm[4]) / 4
    rx, ry, rz = 1.2 * ed, 1.6 * ed, 1.0 * ed
    nx, ny = lm[2]
    phi, theta = np.radians(yaw_deg), np.radians(pitch_deg)

    def displacement(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r2 = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
        z = rz * np.sqrt(np.clip(1.0 - r2, 0.0, None))
        z += 0.5 * ed * np.exp(-((x - nx) ** 2 + (y - ny) ** 2) / (2 * (0.28 * ed) ** 2))
        fade = np.clip((1.45 - np.sqrt(r2)) / 0.45, 0.0, 1.0)
        dx = fade * ((x - cx) * (np.cos(phi) - 1.0) + z * np.sin(phi))
        dy = fade * ((y - cy) * (np.cos(theta) - 1.0) - z * np.sin(theta))
        return dx, dy

    # Inverse mapping by fixed-point iteration: source p with p + d(p) = output pixel.
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = xs.copy(), ys.copy()
    for _ in range(8):
        dx, dy = displacement(x, y)
        x, y = xs - dx, ys - dy
    out = cv2.remap(
        img,
        x.astype(np.float32),
        y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    if zoom != 1.0:
        m = cv2.getRotationMatrix2D((float(cx), float(cy)), 0, zoom)
        out = cv2.warpAffine(out, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    return out


def head_turn_frames(moves: list[str], name: str = "obama", seed: int = 3) -> list[np.ndarray]:
    """A person doing `moves` in the page's timing: neutral, each move (in and out), neutral;
    each frame a real head rotation (`rotate_head`) of the webcam view."""
    from shared.faces.detect import detect_faces

    img = webcam_face(name)
    lm = detect_faces(img)[0].landmarks
    poses = [(0.0, 0.0, 1.0)] * int(LEAD_S * FPS)
    per = int(STEP_S * FPS)
    for m in moves:
        yaw, pitch, zoom = MOVE_ANGLES[m]
        for i in range(per):
            a = float(np.sin(np.pi * (i + 0.5) / per))
            poses.append((yaw * a, pitch * a, 1.0 + (zoom - 1.0) * a))
    poses += [(0.0, 0.0, 1.0)] * int(TAIL_S * FPS)
    rng = np.random.default_rng(seed)
    out = []
    for yaw, pitch, zoom in poses:
        f = rotate_head(img, lm, yaw, pitch, zoom).astype(np.float32)
        f += rng.normal(0, 2.0, f.shape)
        out.append(np.clip(f, 0, 255).astype(np.uint8))
    return out
