"""A second, independent presentation-attack generator (a check on `generator.py`).

Different code and different physics, every parameter drawn per sample:
- `print`: the face printed on paper — a halftone that is either an AM screen (random cell
  3–7 px and angle per ink) or an error-diffused FM screen, ink gamut compressed towards the
  paper white, paper fibre texture, a gamma, the sheet bent (cylindrical warp), then
  re-photographed: perspective up to ~12°, uneven light, camera blur and noise, JPEG 60–95;
  the paper edge is in view only sometimes (tight crops are the hard case).
- `photo_of_photo`: a continuous-tone photo print (no dots): gamut and contrast compressed,
  a glossy specular band, slight bend, re-photographed as above.
- `screen`: the face on a display with a pixel grid (RGB stripe, BGR stripe or PenTile-like
  diamond, pitch 2–5 camera px), backlight lifting the blacks, a colour temperature, moiré
  from the capture's scale and angle, sometimes glare and a bezel, JPEG.
- `bona_fide`: the real photo through a phone-camera pipeline: exposure and white balance,
  sensor noise, demosaic-like softening then sharpening, resize, JPEG 70–95.

Everything is deterministic for a seed. The liveness cue weights are calibrated on the first
generator only; bench/faces reports both.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def _enc(img: np.ndarray, q: int) -> np.ndarray:
    ok, buf = cv2.imencode(
        ".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(q)]
    )
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _camera(img: np.ndarray, r: np.random.Generator, blur: tuple[float, float]) -> np.ndarray:
    """What a phone camera adds: blur, noise, exposure, sharpening, JPEG."""
    f = img.astype(np.float32)
    f = cv2.GaussianBlur(f, (0, 0), r.uniform(*blur))
    f = f * r.uniform(0.85, 1.12) + r.uniform(-10, 10)
    f += r.normal(0, r.uniform(1.0, 4.0), f.shape)
    if r.random() < 0.5:  # phone sharpening
        f = f + r.uniform(0.2, 0.8) * (f - cv2.GaussianBlur(f, (0, 0), 1.5))
    return _enc(f, r.integers(60, 96))


def _lighting(f: np.ndarray, r: np.random.Generator, amount: float) -> np.ndarray:
    h, w = f.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = r.uniform(0, 2 * np.pi)
    ramp = np.cos(a) * xx / w + np.sin(a) * yy / h
    return f * (1 - amount * (ramp - ramp.min()))[..., None]


def _bend(f: np.ndarray, r: np.random.Generator, strength: float) -> np.ndarray:
    """A sheet bent around a vertical axis: x compressed towards the sides, y bulged."""
    h, w = f.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx - w / 2) / (w / 2)
    k = strength * r.uniform(0.3, 1.0)
    mx = w / 2 + (w / 2) * np.sin(u * np.pi / 2 * (1 - k / 2)) / np.sin(np.pi / 2 * (1 - k / 2))
    my = yy + k * 0.03 * h * (1 - u**2) * (yy - h / 2) / (h / 2)
    return cv2.remap(
        f,
        mx.astype(np.float32),
        my.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )


def _recapture(
    media: np.ndarray, r: np.random.Generator, edge: tuple[int, int, int] | None, tilt: float
) -> np.ndarray:
    """Photograph the media: optionally with its edge and a background in view, in
    perspective; otherwise a tight crop inside the media."""
    h, w = media.shape[:2]
    if edge is not None:
        m = int(w * r.uniform(0.02, 0.06))
        media = cv2.copyMakeBorder(media, m, m, m, m, cv2.BORDER_CONSTANT, value=edge)
        ph, pw = media.shape[:2]
        bh, bw = int(ph * r.uniform(1.15, 1.4)), int(pw * r.uniform(1.15, 1.4))
        bg = np.empty((bh, bw, 3), np.float32)
        bg[:] = r.uniform(30, 220, 3)
        tex = cv2.GaussianBlur(
            r.normal(0, 1, (bh, bw)).astype(np.float32), (0, 0), r.uniform(2, 10)
        )
        bg += r.uniform(5, 25) * tex[..., None]
        oy, ox = r.integers(0, bh - ph + 1), r.integers(0, bw - pw + 1)
        bg[oy : oy + ph, ox : ox + pw] = media
        media = bg
    else:  # tight: crop 80-95 % of the media around its centre
        c = r.uniform(0.8, 0.95)
        ch, cw = int(h * c), int(w * c)
        y0, x0 = r.integers(0, h - ch + 1), r.integers(0, w - cw + 1)
        media = media[y0 : y0 + ch, x0 : x0 + cw]
    h, w = media.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    j = tilt * min(h, w)
    dst = (src + r.uniform(-j, j, (4, 2))).astype(np.float32)
    p = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(media, p, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _gamut(f: np.ndarray, r: np.random.Generator, paper: np.ndarray, ink_black: float):
    """Compress towards what ink on paper can show: lifted blacks, duller colours."""
    gray = f.mean(axis=2, keepdims=True)
    f = gray + r.uniform(0.6, 0.9) * (f - gray)
    lo = ink_black
    return lo + (f / 255.0) * (paper - lo)


def print_attack(img: np.ndarray, seed: int = 0) -> np.ndarray:
    r = np.random.default_rng(seed + 7_000_003)
    dpi_scale = r.uniform(1.5, 3.0)  # printer dots per source pixel
    f = cv2.resize(img, None, fx=dpi_scale, fy=dpi_scale, interpolation=cv2.INTER_CUBIC)
    f = f.astype(np.float32)
    f = 255.0 * (f / 255.0) ** r.uniform(0.8, 1.25)
    paper = np.array([r.uniform(225, 245), r.uniform(232, 250), r.uniform(235, 252)], np.float32)
    cmy = 1.0 - f / 255.0  # ink coverage per channel (B, G, R order: Y, M, C inks)
    h, w = cmy.shape[:2]
    if r.random() < 0.6:  # AM screen
        cell = r.uniform(3.0, 7.0)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        dots = np.empty_like(cmy)
        for ch in range(3):
            a = np.radians(r.uniform(0, 90))
            u = (xx * np.cos(a) + yy * np.sin(a)) / cell
            v = (-xx * np.sin(a) + yy * np.cos(a)) / cell
            thr = 0.5 - (np.cos(2 * np.pi * u) * np.cos(2 * np.pi * v)) / 2
            dots[..., ch] = (cmy[..., ch] > thr).astype(np.float32)
    else:  # FM screen: ordered noise threshold (stochastic dots)
        noise = cv2.GaussianBlur(r.random((h, w)).astype(np.float32), (0, 0), 0.7)
        noise = (noise - noise.min()) / (np.ptp(noise) + 1e-6)
        dots = (cmy > noise[..., None]).astype(np.float32)
    dots = cv2.GaussianBlur(dots, (0, 0), r.uniform(0.4, 0.9))  # ink spread
    ink_black = r.uniform(20, 55)
    out = paper - dots * (paper - ink_black)
    fibre = cv2.GaussianBlur(r.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    out += r.uniform(2, 6) * fibre[..., None]
    out = cv2.resize(out, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
    out = _bend(out, r, 0.25)
    out = _lighting(out, r, r.uniform(0.05, 0.25))
    edge = tuple(int(c) for c in paper) if r.random() < 0.5 else None
    out = _recapture(out, r, edge, 0.06)
    return _camera(out, r, (0.5, 1.2))


def photo_of_photo(img: np.ndarray, seed: int = 0) -> np.ndarray:
    r = np.random.default_rng(seed + 9_100_001)
    f = img.astype(np.float32)
    paper = np.array([r.uniform(235, 252)] * 3, np.float32)
    f = _gamut(f, r, paper, r.uniform(15, 45))
    h, w = f.shape[:2]
    # glossy specular band
    if r.random() < 0.7:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = r.uniform(0, np.pi)
        d = np.cos(a) * (xx - r.uniform(0, w)) + np.sin(a) * (yy - r.uniform(0, h))
        band = np.exp(-(d**2) / (2 * (r.uniform(0.03, 0.12) * max(h, w)) ** 2))
        f = f + r.uniform(30, 110) * band[..., None]
    f = _bend(f, r, 0.3)
    f = _lighting(f, r, r.uniform(0.05, 0.3))
    edge = (int(r.uniform(230, 255)),) * 3 if r.random() < 0.5 else None
    f = _recapture(f, r, edge, 0.07)
    return _camera(f, r, (0.6, 1.5))


def screen_attack(img: np.ndarray, seed: int = 0) -> np.ndarray:
    r = np.random.default_rng(seed + 5_300_007)
    pitch = int(r.integers(2, 6))  # display pixel size in camera pixels before capture
    h, w = img.shape[:2]
    big = cv2.resize(img, (w * pitch, h * pitch), interpolation=cv2.INTER_NEAREST)
    big = big.astype(np.float32)
    H, W = big.shape[:2]
    mask = np.zeros((H, W, 3), np.float32)
    layout = r.choice(["rgb", "bgr", "pentile"])
    xs = np.arange(W) % pitch
    ys = np.arange(H) % pitch
    sub = max(1, pitch // 3)
    if layout == "pentile":
        for ch, (oy, ox) in zip((2, 1, 0), ((0, 0), (0, sub), (sub, 0)), strict=True):
            mask[..., ch] = (
                ((ys[:, None] // max(1, pitch // 2)) + (xs[None, :] // sub)) % 2 == (oy + ox) % 2
            ).astype(np.float32)
    else:
        order = (2, 1, 0) if layout == "rgb" else (0, 1, 2)
        for i, ch in enumerate(order):
            mask[:, (xs >= i * sub) & (xs < (i + 1) * sub), ch] = 1.0
    mask[ys == pitch - 1, :, :] *= r.uniform(0.2, 0.6)  # dark row gap
    lit = big * mask * (3.0 if layout != "pentile" else 2.0)
    black = r.uniform(8, 35)  # backlight bleeding: no true black
    lit = black + lit * (1 - black / 255.0)
    temp = np.array([r.uniform(1.0, 1.15), 1.0, r.uniform(0.88, 1.0)], np.float32)  # B, G, R
    lit *= temp
    # capture: rotate a little and scale down by roughly the pitch -> moiré
    m = cv2.getRotationMatrix2D((W / 2, H / 2), r.uniform(-6, 6), 1.0)
    lit = cv2.warpAffine(lit, m, (W, H), borderMode=cv2.BORDER_REFLECT)
    s = r.uniform(0.8, 1.25) / pitch
    cap = cv2.resize(lit, None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
    if r.random() < 0.5:
        hh, ww = cap.shape[:2]
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        cy, cx = r.uniform(0, hh), r.uniform(0, ww)
        rad = r.uniform(0.05, 0.2) * max(hh, ww)
        cap += (
            r.uniform(40, 140)
            * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * rad**2))[..., None]
        )
    edge = (int(r.uniform(0, 40)),) * 3 if r.random() < 0.5 else None
    cap = _recapture(cap, r, edge, 0.05)
    return _camera(cap, r, (0.3, 0.9))


def bona_fide(img: np.ndarray, seed: int = 0) -> np.ndarray:
    r = np.random.default_rng(seed + 3_000_017)
    f = img.astype(np.float32)
    wb = np.array([r.uniform(0.9, 1.1), 1.0, r.uniform(0.9, 1.1)], np.float32)
    f = f * wb
    s = r.uniform(0.6, 1.0)
    f = cv2.resize(f, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return _camera(f, r, (0.2, 0.8))


ATTACKS2: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "screen_replay": screen_attack,
    "print": print_attack,
    "photo_of_photo": photo_of_photo,
}
