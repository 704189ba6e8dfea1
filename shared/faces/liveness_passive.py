"""Passive liveness: the anti-spoofing model plus cues a reviewer can understand.

Cues (each 0..1, higher = more attack-like), computed on the face and its surroundings:
- `periodic_pattern`: isolated peaks in the mid/high spatial-frequency spectrum of the face
  (screen pixel grid and moiré, print halftone screens). Natural skin has a smooth spectrum.
- `chroma_grid`: high-frequency energy of the colour-difference channels relative to luma
  (an RGB sub-pixel grid shows up as colour fringes; a camera's demosaiced skin does not).
- `glare`: share of the face that is saturated white with low colour (specular reflection
  on glass or glossy paper).
- `border`: long straight edges framing the face (a phone bezel, the edge of a sheet).
- `flat_blacks`: the darkest pixels around the face are lifted (paper and screens have no
  true black; a camera looking at a person does).
- `model`: 1 - live probability of the anti-spoofing network (FAS, depth-map style output).
  Off by default: on this 2-core machine one FAS_256s inference takes ~25 s (measured),
  and it did not separate our bona fide photos from the simulations. `use_model=True` or an
  operator ONNX (`IDMESH_MODEL_FAS`) turns it on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from shared.faces import models
from shared.faces.detect import Face

FAS_SIZE = 256
FAS_THRESHOLD = 0.1826  # the model authors' live/spoof cut on the mean depth output
FAS_MARGIN = 0.6  # the face box is widened by this share on each side before the model


@dataclass(frozen=True)
class Cues:
    model: float
    periodic_pattern: float
    chroma_grid: float
    glare: float
    border: float
    flat_blacks: float
    raw: dict[str, float]

    def as_dict(self) -> dict[str, float]:
        return {
            "model": round(self.model, 3),
            "periodic_pattern": round(self.periodic_pattern, 3),
            "chroma_grid": round(self.chroma_grid, 3),
            "glare": round(self.glare, 3),
            "border": round(self.border, 3),
            "flat_blacks": round(self.flat_blacks, 3),
            **{f"raw_{k}": round(v, 4) for k, v in self.raw.items() if v == v},
        }


def _expand(img: np.ndarray, face: Face, margin: float) -> np.ndarray:
    x, y, w, h = face.box
    cx, cy = x + w / 2, y + h / 2
    side = max(w, h) * (1 + 2 * margin)
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(img.shape[1], cx + side / 2)), int(min(img.shape[0], cy + side / 2))
    return img[y0:y1, x0:x1]


def _resize_pad(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = size / max(h, w)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    r = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)
    out = np.zeros((size, size, 3), np.uint8)
    oy, ox = (size - r.shape[0]) // 2, (size - r.shape[1]) // 2
    out[oy : oy + r.shape[0], ox : ox + r.shape[1]] = r
    return out


def fas_live_value(img: np.ndarray, face: Face) -> float:
    """Mean of the FAS depth output (live when above FAS_THRESHOLD)."""
    crop = _resize_pad(_expand(img, face, FAS_MARGIN), FAS_SIZE).astype(np.float32)
    x = ((crop - 127.0) / 128.0)[:, :, ::-1].transpose(2, 0, 1)[None].copy()
    sess = models.session("fas")
    out = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    return float(np.mean(out))


def _squash(value: float, lo: float, hi: float) -> float:
    """0 at or under lo, 1 at or over hi, linear between."""
    return float(min(1.0, max(0.0, (value - lo) / (hi - lo))))


def _native_patch(img: np.ndarray, face: Face, max_side: int = 192) -> np.ndarray:
    """The inner face at native resolution (resampling would wash out fine periodic patterns)."""
    x, y, w, h = face.box
    x0, y0 = int(max(0, x + 0.15 * w)), int(max(0, y + 0.2 * h))
    x1, y1 = int(min(img.shape[1], x + 0.85 * w)), int(min(img.shape[0], y + 0.9 * h))
    gray = cv2.cvtColor(img[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.float32)
    n = min(gray.shape[0], gray.shape[1], max_side)
    if n < 16:
        return np.zeros((16, 16), np.float32)
    cy, cx = gray.shape[0] // 2, gray.shape[1] // 2
    return gray[cy - n // 2 : cy - n // 2 + n, cx - n // 2 : cx - n // 2 + n]


def black_level(img: np.ndarray, face: Face) -> float:
    """1st percentile of luma around the face (hair, eyes, clothes): media lift their blacks."""
    x, y, w, h = face.box
    x0, y0 = int(max(0, x - 0.2 * w)), int(max(0, y - 0.3 * h))
    x1, y1 = int(min(img.shape[1], x + 1.2 * w)), int(min(img.shape[0], y + 1.3 * h))
    gray = cv2.cvtColor(img[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    return float(np.percentile(gray, 1)) if gray.size else 0.0


def _face_gray(img: np.ndarray, face: Face, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    x, y, w, h = face.box
    # the inner face (cheeks, forehead, nose): skin texture, little hair or background
    x0, y0 = int(max(0, x + 0.15 * w)), int(max(0, y + 0.2 * h))
    x1, y1 = int(min(img.shape[1], x + 0.85 * w)), int(min(img.shape[0], y + 0.9 * h))
    crop = img[y0:y1, x0:x1]
    if crop.size == 0:
        crop = img
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)
    return crop, cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.float32)


def periodic_peak_ratio(gray: np.ndarray) -> float:
    """Peak-to-median ratio of the windowed spectrum in the mid/high band (log10)."""
    n = gray.shape[0]
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    g = (gray - gray.mean()) * win
    spec = np.abs(np.fft.fftshift(np.fft.fft2(g)))
    yy, xx = np.mgrid[0:n, 0:n]
    r = np.hypot(yy - n / 2, xx - n / 2) / (n / 2)
    band = spec[(r > 0.25) & (r < 0.95)]
    if band.size == 0:
        return 0.0
    top = max(float(np.percentile(band, 99.9)), 1e-6)
    return float(np.log10(top / (float(np.median(band)) + 1e-6)))


def chroma_grid_ratio(crop_bgr: np.ndarray) -> float:
    f = crop_bgr.astype(np.float32)
    b, g, r = f[..., 0], f[..., 1], f[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b

    def hp(ch: np.ndarray) -> float:
        return float(np.mean(np.abs(ch - cv2.GaussianBlur(ch, (0, 0), 1.5))))

    return (hp(r - g) + hp(b - g)) / (hp(luma) + 1e-3)


def glare_share(crop_bgr: np.ndarray) -> float:
    hsv = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2HSV)
    spec = (hsv[..., 2] > 240) & (hsv[..., 1] < 40)
    return float(spec.mean())


def border_strength(img: np.ndarray, face: Face) -> float:
    """Share of the 4 sides around the face that have a long straight edge (0, .25 ... 1)."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150)
    h, w = gray.shape
    x, y, fw, fh = face.box
    min_len = 0.9 * max(fw, fh)
    lines = cv2.HoughLinesP(
        edges, 1, np.pi / 180, threshold=60, minLineLength=min_len, maxLineGap=6
    )
    if lines is None:
        return 0.0
    sides = set()
    for x1, y1, x2, y2 in lines[:, 0]:
        dx, dy = abs(x2 - x1), abs(y2 - y1)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        spans_face_x = min(x1, x2) < x + 0.2 * fw and max(x1, x2) > x + 0.8 * fw
        spans_face_y = min(y1, y2) < y + 0.2 * fh and max(y1, y2) > y + 0.8 * fh
        if dy < 0.15 * dx and spans_face_x:  # horizontal line across the face's width
            if my < y - 0.1 * fh:
                sides.add("top")
            elif my > y + 1.1 * fh and my < h - 2:
                sides.add("bottom")
        elif dx < 0.15 * dy and spans_face_y:  # vertical line along the face's height
            if mx < x - 0.2 * fw and mx > 2:
                sides.add("left")
            elif mx > x + 1.2 * fw and mx < w - 3:
                sides.add("right")
    return len(sides) / 4.0


def compute_cues(img: np.ndarray, face: Face, use_model: bool = False) -> Cues:
    crop, gray = _face_gray(img, face)
    fas = fas_live_value(img, face) if use_model else float("nan")
    peak = periodic_peak_ratio(_native_patch(img, face))
    black = black_level(img, face)
    chroma = chroma_grid_ratio(crop)
    glare = glare_share(crop)
    border = border_strength(img, face)
    return Cues(
        model=(1.0 - _squash(fas, FAS_THRESHOLD * 0.5, FAS_THRESHOLD * 1.5)) if use_model else 0.0,
        periodic_pattern=_squash(peak, 1.5, 1.7),
        chroma_grid=_squash(chroma, 0.62, 1.0),
        glare=_squash(glare, 0.09, 0.2),
        border=_squash(border, 0.5, 1.0),
        flat_blacks=_squash(black, 45.0, 75.0),
        raw={
            "fas": fas,
            "peak": peak,
            "chroma": chroma,
            "glare": glare,
            "border_sides": border,
            "black": black,
        },
    )


ATTACK_HINTS = {
    "chroma_grid": "screen_replay",
    "periodic_pattern": "print_or_screen",
    "glare": "screen_replay",
    "border": "print_or_screen",
    "flat_blacks": "print",
    "model": "unknown",
}


def attack_strength(cues: Cues) -> tuple[float, str | None]:
    """The strongest cue (0..1) and the attack type it points to (None when all are 0)."""
    values = {k: getattr(cues, k) for k in ATTACK_HINTS}
    name = max(values, key=values.get)
    return values[name], (ATTACK_HINTS[name] if values[name] > 0 else None)
