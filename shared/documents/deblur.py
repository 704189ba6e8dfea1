"""Linear motion blur: detected from the photo itself and undone before a second reading.

A hand that moves while the shutter is open smears every point of the photo along one line
(the blur's direction and length). In the spectrum that is a multiplication by a sinc whose
zeros repeat every 1/length along the direction; the cepstrum (the inverse transform of
the log spectrum) turns that periodic ripple into one sharp negative peak at the blur's
length in its direction. Text, paper and background put their cepstral energy near the
origin, and an out-of-focus blur dips in every direction alike, so a minimum far below the
other directions at its radius says "motion blur, this long, this way" (Rom 1975; Cannon
1976).

With the blur known, a Wiener filter undoes it; the MRZ is then read again on the restored
photo (`check._process_side` does so only when the first reading's check digits fail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

WINDOW = 1024  # the central square of the photo (pixels) whose spectrum is examined
MIN_LENGTH = 4.0  # shorter smears are left to the recogniser
MAX_LENGTH = 32.0
# the cepstral minimum must stand this many robust deviations below the other directions
# at its radius: 1-6 on sharp, Gaussian-blurred (out of focus: no spectral zeros, no
# direction) or small photos of documents, 12-60 on photos smeared over 5-13 pixels
MIN_STRENGTH = 9.0
NOISE = 0.01  # Wiener noise-to-signal ratio (sensor noise and JPEG on 8-bit images)


@dataclass(frozen=True)
class Motion:
    angle: float  # degrees, [0, 180), counter-clockwise from the image's x axis
    length: float  # pixels between the smear's two ends
    strength: float  # robust z-score of the cepstral peak among the directions


def estimate(grey: np.ndarray) -> Motion | None:
    """The photo's linear motion blur, or None when it shows none (or too little)."""
    h, w = grey.shape[:2]
    if min(h, w) < 64:
        return None
    y0, x0 = max(0, (h - WINDOW) // 2), max(0, (w - WINDOW) // 2)
    g = grey[y0 : y0 + WINDOW, x0 : x0 + WINDOW].astype(np.float32)
    g -= float(g.mean())
    win = np.outer(np.hanning(g.shape[0]), np.hanning(g.shape[1])).astype(np.float32)
    spectrum = np.log1p(np.abs(np.fft.fft2(g * win)))
    cep = np.fft.fftshift(np.real(np.fft.ifft2(spectrum))).astype(np.float32)
    cy, cx = cep.shape[0] // 2, cep.shape[1] // 2
    angles = np.arange(0.0, 180.0, 1.0)
    radii = np.arange(MIN_LENGTH, min(MAX_LENGTH, min(cy, cx) - 1.0) + 0.25, 0.5)
    a, r = np.meshgrid(np.radians(angles), radii, indexing="ij")
    xs = (cx + r * np.cos(a)).astype(np.float32)
    ys = (cy - r * np.sin(a)).astype(np.float32)
    ring = cv2.remap(cep, xs, ys, cv2.INTER_LINEAR)
    i, j = np.unravel_index(int(np.argmin(ring)), ring.shape)
    # a motion peak is one direction's; an out-of-focus (round) blur dips in every direction
    at_radius = ring[:, j]
    med = float(np.median(at_radius))
    mad = float(np.median(np.abs(at_radius - med))) * 1.4826 + 1e-9
    strength = (med - float(ring[i, j])) / mad
    if strength < MIN_STRENGTH:
        return None
    return Motion(angle=float(angles[i]), length=float(radii[j]), strength=round(strength, 1))


def psf(motion: Motion) -> np.ndarray:
    """The blur kernel: a line `length` pixels long through the centre, anti-aliased."""
    n = int(math.ceil(motion.length)) + 3
    n += (n + 1) % 2
    k = np.zeros((n, n), np.float32)
    c = (n - 1) / 2
    dx = math.cos(math.radians(motion.angle)) * motion.length / 2
    dy = -math.sin(math.radians(motion.angle)) * motion.length / 2
    for t in np.linspace(-1.0, 1.0, int(motion.length * 4) + 1):
        x, y = c + t * dx, c + t * dy
        xi, yi = math.floor(x), math.floor(y)
        fx, fy = x - xi, y - yi
        for xx, yy, wt in (
            (xi, yi, (1 - fx) * (1 - fy)),
            (xi + 1, yi, fx * (1 - fy)),
            (xi, yi + 1, (1 - fx) * fy),
            (xi + 1, yi + 1, fx * fy),
        ):
            if 0 <= xx < n and 0 <= yy < n:
                k[yy, xx] += wt
    return k / float(k.sum())


def wiener(img: np.ndarray, kernel: np.ndarray, noise: float = NOISE) -> np.ndarray:
    """`img` (grey or BGR, uint8) deconvolved by `kernel`; edges mirrored so that the
    photo's border does not ring."""
    h, w = img.shape[:2]
    p = kernel.shape[0] * 2
    n = kernel.shape[0]
    out = []
    chans = cv2.split(img) if img.ndim == 3 else [img]
    big = cv2.copyMakeBorder(chans[0], p, p, p, p, cv2.BORDER_REFLECT)
    hh, ww = big.shape
    kp = np.zeros((hh, ww), np.float32)
    kp[:n, :n] = kernel
    kp = np.roll(kp, (-(n // 2), -(n // 2)), axis=(0, 1))
    kf = np.fft.rfft2(kp)
    filt = np.conj(kf) / (np.abs(kf) ** 2 + noise)
    for ch in chans:
        f = cv2.copyMakeBorder(ch, p, p, p, p, cv2.BORDER_REFLECT).astype(np.float32)
        r = np.fft.irfft2(np.fft.rfft2(f) * filt, s=(hh, ww))[p : p + h, p : p + w]
        out.append(np.clip(r, 0, 255).astype(np.uint8))
    return cv2.merge(out) if img.ndim == 3 else out[0]


def restore(img: np.ndarray) -> tuple[np.ndarray, Motion] | None:
    """(the photo with its motion blur undone, the blur) or None when it shows none."""
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    motion = estimate(grey)
    if motion is None:
        return None
    return wiener(img, psf(motion)), motion
