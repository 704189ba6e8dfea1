"""Passive liveness: measurements a reviewer can understand, and the optional FAS network.

Measured on the face and its surroundings (`liveness_fusion` turns them into one score with
each cue's share):
- `peak`: isolated peaks in the mid/high spatial-frequency spectrum of the face (screen pixel
  grid and moiré, print halftone screens); natural skin has a smooth spectrum.
- `chroma_peak`: the same on the red-blue difference (CMY rosettes, sub-pixel stripes).
- `chroma`: high-frequency energy of the colour-difference channels relative to luma.
- `decorrelation`: 1 - correlation of the blue and red channels' fine detail (a camera's
  demosaicing correlates them; ink dots and sub-pixels do not).
- `detail`: finest-scale over mid-scale detail on the face at a fixed size (re-captures lose
  the finest scale; halftone dots add a false one).
- `black`: 1st percentile of luma around the face (paper and screens have no true black).
- `saturation`, `dynamic_range`: inks and screens compress colour and contrast.
- `glare`: saturated white with low colour on the face (glass, glossy paper).
- `border_sides`: long straight edges framing the face (a bezel, the edge of a sheet).
- `background`: face surroundings vs the image's outer frame, noise level (a second scene).
- `veil`: the dark channel around the face (per pixel the darkest of B, G, R, then the
  darkest in a 9 px neighbourhood; its 5th percentile over the 99th percentile of the
  brightest channel). A live scene has shadows that are dark in some colour almost
  everywhere; paper white under ink, a screen's backlight and a glossy reflection add a veil
  of light over the whole medium that lifts it (the "haze" measure of image dehazing).
- `black_lift`: log10 of the 1st over the 99th percentile of luma around the face: the
  blacks relative to the whites of the same image (an exposure change scales both).
- `edge_blur`: blur of the face's strongest edges in image pixels, from how much a further
  Gaussian blur (sigma 1) weakens them; a re-captured medium was blurred twice (its own
  print or display, then the camera).
- `sharpness_vs_frame`: log10 of the face's fine detail (Laplacian, 90th percentile) over
  the image frame's: a second scene held up to the camera changes the balance.
- `peak_whitened`: the strongest isolated peak of the face's spectrum after dividing each
  ring of frequencies by its median (whitening: natural images fall as 1/f, so a plain
  peak-to-median ratio mostly measures the low end of the band); the JPEG 8-px block grid's
  frequencies are left out. Halftone screens and pixel grids leave such a peak, aliased or
  not; skin does not.
- `texture_floor`: log10 of the median |Laplacian| around the face over its 97th-percentile
  gradient: a re-captured medium has its edges softened twice while the grain laid on it
  (paper fibre, ink dots, sub-pixels, the second camera's noise) stays at full strength.
- `spectral_slope`: slope of the face's radial power spectrum (log-log, at a fixed face
  size): each further blur of a re-capture steepens the fall towards high frequencies.
- `chroma_p95`: 95th percentile of CIELAB chroma around the face (inks, paper white and
  screens compress the gamut; perceptual, so dark noise does not inflate it as HSV does).
- `chroma_spread`: log10 of the spread of the (a*, b*) cloud around the face (square root
  of its covariance determinant): sub-pixel and ink-dot colour fringes scatter it.
- `dark_chroma`: colour of the darkest 5 % around the face relative to their level: real
  shadows keep the colour of what they fall on; a lifted ink or backlight black is a
  uniform grey veil.
- `fas`: mean depth output of the FAS network (optional, `use_model=True`): one FAS_256s
  inference is 115 GFLOP (21-25 s of CPU on the 2-core test machine, 2026-12-06); see
  docs/faces.md for its cost and measured rates.
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
    model: float  # 0..1 attack strength from the FAS network (0 when it is off)
    raw: dict[str, float]

    def measurements(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.raw.items() if v == v}


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


def _box_part(
    a: np.ndarray, face: Face, left: float, top: float, right: float, bottom: float
) -> np.ndarray:
    """The part of `a` (the image, or a map of its size) from `left` to `right` of the face
    box's width and from `top` to `bottom` of its height (shares of the box: under 0 or over 1
    reach past it), clipped to the image."""
    x, y, w, h = face.box
    x0, y0 = int(max(0, x + left * w)), int(max(0, y + top * h))
    x1, y1 = int(min(a.shape[1], x + right * w)), int(min(a.shape[0], y + bottom * h))
    return a[y0:y1, x0:x1]


# the inner face (cheeks, forehead, nose): skin texture, little hair or background
INNER_FACE = (0.15, 0.2, 0.85, 0.9)


def _centre_square(a: np.ndarray, max_side: int) -> np.ndarray | None:
    """The centred square of `a`, at most `max_side` a side; None when under 16 pixels."""
    n = min(a.shape[0], a.shape[1], max_side)
    if n < 16:
        return None
    cy, cx = a.shape[0] // 2, a.shape[1] // 2
    return a[cy - n // 2 : cy - n // 2 + n, cx - n // 2 : cx - n // 2 + n]


def _native_patch(img: np.ndarray, face: Face, max_side: int = 192) -> np.ndarray:
    """The inner face at native resolution (resampling would wash out fine periodic patterns)."""
    part = _box_part(img, face, *INNER_FACE)
    gray = cv2.cvtColor(part, cv2.COLOR_BGR2GRAY).astype(np.float32)
    square = _centre_square(gray, max_side)
    return np.zeros((16, 16), np.float32) if square is None else square


def black_level(img: np.ndarray, face: Face) -> float:
    """1st percentile of luma around the face (hair, eyes, clothes): media lift their blacks."""
    gray = cv2.cvtColor(_box_part(img, face, -0.2, -0.3, 1.2, 1.3), cv2.COLOR_BGR2GRAY)
    return float(np.percentile(gray, 1)) if gray.size else 0.0


def _face_gray(img: np.ndarray, face: Face, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    crop = _box_part(img, face, *INNER_FACE)
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


def _region(img: np.ndarray, face: Face, grow: float) -> np.ndarray:
    return _box_part(img, face, -grow, -grow, 1 + grow, 1 + grow)


def saturation_p90(img: np.ndarray, face: Face) -> float:
    """90th percentile of colour saturation around the face (inks and screens compress it)."""
    hsv = cv2.cvtColor(_region(img, face, 0.3), cv2.COLOR_BGR2HSV)
    return float(np.percentile(hsv[..., 1], 90)) if hsv.size else 0.0


def dynamic_range(img: np.ndarray, face: Face) -> float:
    """p99 - p1 of luma around the face (a print or a screen cannot show the scene's range)."""
    gray = cv2.cvtColor(_region(img, face, 0.3), cv2.COLOR_BGR2GRAY)
    return float(np.percentile(gray, 99) - np.percentile(gray, 1)) if gray.size else 0.0


def _face_norm(img: np.ndarray, face: Face, size: int = 128) -> np.ndarray:
    crop = _box_part(img, face, 0.1, 0.1, 0.9, 0.9)
    if crop.size == 0:
        crop = img
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interp).astype(np.float32)


def detail_ratio(face_bgr: np.ndarray) -> float:
    """Finest-scale detail over mid-scale detail (log10) on the face at a fixed size:
    re-captures lose the finest scale first (print blur, the camera's second pass)."""
    g = face_bgr.mean(axis=2)
    b1 = cv2.GaussianBlur(g, (0, 0), 1.0)
    b2 = cv2.GaussianBlur(g, (0, 0), 2.0)
    b4 = cv2.GaussianBlur(g, (0, 0), 4.0)
    fine = float(np.mean(np.abs(g - b1)))
    mid = float(np.mean(np.abs(b2 - b4)))
    return float(np.log10((fine + 1e-3) / (mid + 1e-3)))


def channel_decorrelation(face_bgr: np.ndarray) -> float:
    """1 - correlation of the blue and red channels' fine detail: one camera sees one scene
    through all three (demosaicing correlates them); ink dots and sub-pixels do not."""

    def hp(ch: np.ndarray) -> np.ndarray:
        return (ch - cv2.GaussianBlur(ch, (0, 0), 1.2)).ravel()

    b, r = hp(face_bgr[..., 0]), hp(face_bgr[..., 2])
    denom = float(np.linalg.norm(b) * np.linalg.norm(r)) + 1e-6
    return 1.0 - float(b @ r) / denom


def chroma_peak_ratio(img: np.ndarray, face: Face) -> float:
    """Periodic peaks in the colour-difference channel (CMY rosettes, sub-pixel stripes)."""
    f = _centre_square(_box_part(img, face, *INNER_FACE).astype(np.float32), 192)
    if f is None:
        return 0.0
    return periodic_peak_ratio(f[..., 2] - f[..., 0])


def background_consistency(img: np.ndarray, face: Face) -> float:
    """|log10| of the noise level in the face's surroundings over that of the image's outer
    frame: a held-up print or screen shows a second scene with its own noise and blur."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    res = np.abs(gray - cv2.medianBlur(gray.astype(np.uint8), 3).astype(np.float32))
    h, w = gray.shape
    m = max(4, int(0.06 * min(h, w)))
    outer = np.concatenate(
        [res[:m].ravel(), res[-m:].ravel(), res[:, :m].ravel(), res[:, -m:].ravel()]
    )
    inner = _box_part(res, face, -0.1, -0.1, 1.1, 1.1).ravel()
    if inner.size == 0 or outer.size == 0:
        return 0.0
    return abs(float(np.log10((np.median(inner) + 0.5) / (np.median(outer) + 0.5))))


def veil_level(img: np.ndarray, face: Face) -> float:
    """Dark-channel level around the face relative to its brightest colour (see the module
    docstring): an additive veil of light (paper, backlight, gloss) lifts it."""
    reg = _region(img, face, 0.3)
    if reg.size == 0:
        return 0.0
    dark = cv2.erode(reg.min(axis=2), np.ones((9, 9), np.uint8))
    top = float(np.percentile(reg.max(axis=2), 99)) + 2.0
    return float(np.percentile(dark, 5)) / top


def black_lift(img: np.ndarray, face: Face) -> float:
    """log10 of luma's 1st over its 99th percentile around the face (the medium's black
    relative to its white; independent of exposure gain)."""
    gray = cv2.cvtColor(_region(img, face, 0.3), cv2.COLOR_BGR2GRAY).astype(np.float32)
    if gray.size == 0:
        return 0.0
    lo, hi = np.percentile(gray, [1, 99])
    return float(np.log10((lo + 2.0) / (hi + 2.0)))


def _grad(gray: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def edge_blur(img: np.ndarray, face: Face) -> float:
    """Blur of the face's strongest edges in image pixels (re-blur estimate): a step edge
    blurred by sigma s loses gradient by sqrt(s^2 + 1) / s under a further blur of sigma 1,
    so s = 1 / sqrt(r^2 - 1) with r the gradient ratio on the top 3 % edge pixels."""
    gray = cv2.cvtColor(_region(img, face, 0.05), cv2.COLOR_BGR2GRAY).astype(np.float32)
    if min(gray.shape[:2]) < 8:
        return 0.0
    g0 = _grad(gray)
    g1 = _grad(cv2.GaussianBlur(gray, (0, 0), 1.0))
    strong = g0 > np.percentile(g0, 97)
    r = float(g0[strong].sum() / (g1[strong].sum() + 1e-6))
    return float(1.0 / np.sqrt(max(r * r - 1.0, 1e-3)))


def sharpness_vs_frame(img: np.ndarray, face: Face) -> float:
    """log10 of the inner face's fine detail over the image frame's (Laplacian p90)."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    lap = np.abs(cv2.Laplacian(cv2.GaussianBlur(gray, (0, 0), 0.7), cv2.CV_32F))
    inner = _box_part(lap, face, *INNER_FACE)
    hh, ww = gray.shape
    m = max(4, int(0.08 * min(hh, ww)))
    frame = np.concatenate(
        [lap[:m].ravel(), lap[-m:].ravel(), lap[:, :m].ravel(), lap[:, -m:].ravel()]
    )
    if inner.size == 0:
        return 0.0
    return float(np.log10((np.percentile(inner, 90) + 0.5) / (np.percentile(frame, 90) + 0.5)))


def _ring_whitened_peak(ch: np.ndarray) -> float:
    """log10 of the largest spectrum/ring-median ratio in the mid/high band, JPEG grid out."""
    n = ch.shape[0]
    if n < 32:
        return 0.0
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    p = np.abs(np.fft.fftshift(np.fft.fft2((ch - ch.mean()) * win))) ** 2
    yy, xx = np.mgrid[0:n, 0:n]
    fy, fx = yy - n // 2, xx - n // 2
    r = np.hypot(fy, fx) / (n / 2)
    ring = np.minimum((r * 32).astype(np.int64), 45).ravel()
    flat = p.ravel()
    order = np.lexsort((flat, ring))  # by ring, then by power
    counts = np.bincount(ring, minlength=46)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    med = np.zeros(46)
    has = counts > 0
    med[has] = flat[order[starts[has] + counts[has] // 2]]
    white = p / (med[ring].reshape(p.shape) + 1e-9)
    step = n / 8.0  # JPEG's 8-px block grid: multiples of n/8 cycles along either axis

    def on_grid(f: np.ndarray) -> np.ndarray:
        k = np.round(np.abs(f) / step)
        return (np.abs(np.abs(f) - k * step) <= 1.0) & (k >= 1)

    band = (r > 0.2) & (r < 0.95) & ~on_grid(fx) & ~on_grid(fy)
    top = float(np.max(white[band])) if band.any() else 0.0
    return float(np.log10(max(top, 1e-6)))


def peak_whitened(img: np.ndarray, face: Face) -> float:
    """Periodic peak of the inner face's luma at native resolution on a whitened spectrum."""
    return _ring_whitened_peak(_native_patch(img, face))


def texture_floor(img: np.ndarray, face: Face) -> float:
    """log10 of the median |Laplacian| over the 97th-percentile gradient around the face."""
    gray = cv2.cvtColor(_region(img, face, 0.05), cv2.COLOR_BGR2GRAY).astype(np.float32)
    if min(gray.shape[:2]) < 8:
        return 0.0
    grain = float(np.median(np.abs(cv2.Laplacian(gray, cv2.CV_32F)))) + 0.1
    edges = float(np.percentile(_grad(gray), 97)) + 1.0
    return float(np.log10(grain / edges))


def spectral_slope(face_bgr: np.ndarray) -> float:
    """Log-log slope of the radial power spectrum of the face (fixed size), 0.1-0.9 Nyquist."""
    g = face_bgr.mean(axis=2)
    n = g.shape[0]
    win = np.outer(np.hanning(n), np.hanning(n))
    p = np.abs(np.fft.fftshift(np.fft.fft2((g - g.mean()) * win))) ** 2
    yy, xx = np.mgrid[0:n, 0:n]
    r = np.hypot(yy - n / 2, xx - n / 2) / (n / 2)
    edges = np.linspace(0.1, 0.9, 9)
    power = [
        float(np.mean(p[(r >= a) & (r < b)])) for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    mid = (edges[:-1] + edges[1:]) / 2
    return float(np.polyfit(np.log10(mid), np.log10(np.array(power) + 1e-6), 1)[0])


def lab_chroma(img: np.ndarray, face: Face) -> tuple[float, float]:
    """(95th percentile of CIELAB chroma, log10 spread of the (a*, b*) cloud) around the face."""
    reg = _region(img, face, 0.3)[::2, ::2]  # every other pixel: statistics, not detail
    if reg.size == 0:
        return 0.0, 0.0
    lab = cv2.cvtColor(np.ascontiguousarray(reg), cv2.COLOR_BGR2LAB).reshape(-1, 3)
    a = lab[:, 1].astype(np.float32) - 128.0
    b = lab[:, 2].astype(np.float32) - 128.0
    chroma = np.sqrt(a * a + b * b)
    k = min(chroma.size - 1, int(0.95 * chroma.size))
    p95 = float(np.partition(chroma, k)[k])
    da, db = a - a.mean(), b - b.mean()
    det = float(np.mean(da * da) * np.mean(db * db) - np.mean(da * db) ** 2)
    return p95, float(np.log10(np.sqrt(max(det, 1e-6)) + 1))


def dark_chroma(img: np.ndarray, face: Face) -> float:
    """Mean colour (max - min channel) of the darkest 5 % around the face over their level."""
    reg = _region(img, face, 0.3)[::2, ::2].reshape(-1, 3).astype(np.float32)
    if reg.size == 0:
        return 0.0
    luma = reg.sum(axis=1)
    k = max(1, luma.size // 20)
    dark = reg[np.argpartition(luma, k - 1)[:k]]
    return float(np.mean(dark.max(axis=1) - dark.min(axis=1)) / (float(np.mean(dark)) + 5.0))


def compute_cues(img: np.ndarray, face: Face, use_model: bool = False) -> Cues:
    """Every measurement (see the module docstring); `liveness_fusion` weighs them."""
    crop, _gray = _face_gray(img, face)
    norm = _face_norm(img, face)
    fas = fas_live_value(img, face) if use_model else float("nan")
    chroma_p95, chroma_spread = lab_chroma(img, face)
    raw = {
        "peak": periodic_peak_ratio(_native_patch(img, face)),
        "chroma_peak": chroma_peak_ratio(img, face),
        "chroma": chroma_grid_ratio(crop),
        "decorrelation": channel_decorrelation(norm),
        "detail": detail_ratio(norm),
        "black": black_level(img, face),
        "saturation": saturation_p90(img, face),
        "dynamic_range": dynamic_range(img, face),
        "glare": glare_share(crop),
        "border_sides": border_strength(img, face),
        "background": background_consistency(img, face),
        "veil": veil_level(img, face),
        "black_lift": black_lift(img, face),
        "edge_blur": edge_blur(img, face),
        "sharpness_vs_frame": sharpness_vs_frame(img, face),
        "peak_whitened": peak_whitened(img, face),
        "texture_floor": texture_floor(img, face),
        "spectral_slope": spectral_slope(norm),
        "chroma_p95": chroma_p95,
        "chroma_spread": chroma_spread,
        "dark_chroma": dark_chroma(img, face),
        "fas": fas,
    }
    model = (1.0 - _squash(fas, FAS_THRESHOLD * 0.5, FAS_THRESHOLD * 1.5)) if use_model else 0.0
    return Cues(model=model, raw=raw)
