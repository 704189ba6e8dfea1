"""Face detection with five landmarks (YuNet ONNX through onnxruntime).

Landmark order (YuNet): right eye, left eye (of the person: image-left first), nose tip,
right mouth corner, left mouth corner.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from shared.faces import models

INPUT = 640
STRIDES = (8, 16, 32)


@dataclass(frozen=True)
class Face:
    box: tuple[float, float, float, float]  # x, y, w, h in image pixels
    landmarks: np.ndarray  # (5, 2) float32
    score: float

    @property
    def width(self) -> float:
        return self.box[2]

    @property
    def height(self) -> float:
        return self.box[3]

    @property
    def eye_distance(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))

    def as_dict(self) -> dict:
        x, y, w, h = self.box
        return {
            "box": [round(x, 1), round(y, 1), round(w, 1), round(h, 1)],
            "landmarks": [[round(float(a), 1), round(float(b), 1)] for a, b in self.landmarks],
            "detection_score": round(self.score, 3),
        }


def _letterbox(img: np.ndarray) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    scale = INPUT / max(h, w)
    resized = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))))
    canvas = np.zeros((INPUT, INPUT, 3), dtype=np.uint8)
    canvas[: resized.shape[0], : resized.shape[1]] = resized
    return canvas, scale


def detect_faces(img: np.ndarray, min_score: float = 0.6, nms: float = 0.3) -> list[Face]:
    """All faces in a BGR image, largest first."""
    canvas, scale = _letterbox(img)
    blob = canvas.transpose(2, 0, 1)[None].astype(np.float32)
    sess = models.session("yunet")
    outs = dict(
        zip([o.name for o in sess.get_outputs()], sess.run(None, {"input": blob}), strict=True)
    )
    boxes, scores, kps_all = [], [], []
    for stride in STRIDES:
        cols = INPUT // stride
        cls = np.clip(outs[f"cls_{stride}"][0, :, 0], 0, 1)
        obj = np.clip(outs[f"obj_{stride}"][0, :, 0], 0, 1)
        score = np.sqrt(cls * obj)
        keep = np.nonzero(score >= min_score)[0]
        if keep.size == 0:
            continue
        bbox = outs[f"bbox_{stride}"][0, keep]
        kps = outs[f"kps_{stride}"][0, keep].reshape(-1, 5, 2)
        c = (keep % cols).astype(np.float32)
        r = (keep // cols).astype(np.float32)
        cx = (c + bbox[:, 0]) * stride
        cy = (r + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        boxes.append(np.stack([cx - w / 2, cy - h / 2, w, h], axis=1))
        scores.append(score[keep])
        pts = np.empty_like(kps)
        pts[..., 0] = (kps[..., 0] + c[:, None]) * stride
        pts[..., 1] = (kps[..., 1] + r[:, None]) * stride
        kps_all.append(pts)
    if not boxes:
        return []
    b = np.concatenate(boxes) / scale
    s = np.concatenate(scores)
    k = np.concatenate(kps_all) / scale
    idx = cv2.dnn.NMSBoxes(b.tolist(), s.tolist(), min_score, nms)
    faces = [
        Face(
            box=tuple(float(v) for v in b[i]), landmarks=k[i].astype(np.float32), score=float(s[i])
        )
        for i in np.asarray(idx).reshape(-1)
    ]
    faces.sort(key=lambda f: f.width * f.height, reverse=True)
    return faces
