"""Visual fraud cues on a document front, beyond data consistency.

Each cue is measured on the rectified document and reported with its evidence (the figure,
its threshold), whether it fires or not, so a reviewer sees why:

- photocopy: almost no colour anywhere on the page (Hasler-Suesstrunk colourfulness) --
  genuine documents carry tinted security backgrounds, a copy is grey; or a regular
  halftone dot screen (a strong isolated peak in the spectrum of the fine texture);
- screen recapture: a photo of a screen shows the screen's sub-pixel grid as colour moire,
  a periodic pattern in the chroma channels far stronger than in genuine print;
- portrait substitution: a pasted photo brings its own noise; the noise level inside the
  portrait exceeds the page's by a large factor (one-sided: a page noisier than its
  portrait is its own texture, as on a halftone copy);
- font inconsistency: one printed value whose stroke width (relative to its height)
  stands out from the other values of the visual zone (an edited field re-typed in
  another font or weight).

Thresholds are set in `Thresholds` and measured in `python -m bench.documents` (TPR on
forgeries made by `tests/documents/forgeries.py`, FPR on genuine documents of both
generators).
"""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel

from shared.documents import codes


class Thresholds(BaseModel):
    # set on genuine fronts of BOTH generators (FPR) and the forgeries (TPR) in the bench
    min_colourfulness: float = 2.5
    halftone_peak: float = 140.0
    moire_peak: float = 200.0
    # portrait noise / page noise, one-sided; 2026-12-05 on seed-6000 fronts with a
    # portrait found: genuine A 0.47-1.11 (39), genuine B 0.88-3.91 (27), pasted photos
    # 0.80-6.44 (22; only the noisy pastes stand out)
    portrait_noise_ratio: float = 4.5
    font_stroke_deviation: float = 0.6  # |stroke/height - row median| / row median


class Finding(BaseModel):
    code: str
    fired: bool
    value: float
    threshold: float
    evidence: str

    @classmethod
    def over(cls, code: str, value: float, limit: float, evidence: str, digits: int = 2) -> Finding:
        """A finding that fires when `value` is over its `limit` (the threshold it reports)."""
        return cls(
            code=code,
            fired=value > limit,
            value=round(value, digits),
            threshold=limit,
            evidence=evidence,
        )


def colourfulness(bgr: np.ndarray) -> float:
    b, g, r = (bgr[:, :, i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(abs(rg.mean()), abs(yb.mean())))


def _peak_ratio(channel: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """Strongest isolated spectral peak between `lo` and `hi` cycles/pixel over the median
    of that band (fine texture only: the channel is high-passed first). Returns (ratio,
    period in pixels)."""
    size = 512
    h, w = channel.shape[:2]
    if min(h, w) < 128:
        return 0.0, 0.0
    y0, x0 = max(0, (h - size) // 2), max(0, (w - size) // 2)
    tile = channel[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    tile = tile - cv2.GaussianBlur(tile, (0, 0), 3.0)
    win = np.outer(np.hanning(tile.shape[0]), np.hanning(tile.shape[1])).astype(np.float32)
    spec = np.abs(np.fft.fftshift(np.fft.fft2(tile * win)))
    fy = np.fft.fftshift(np.fft.fftfreq(tile.shape[0]))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(tile.shape[1]))[None, :]
    r = np.hypot(fx, fy)
    band = (r >= lo) & (r <= hi) & (np.abs(fx) > 0.01) & (np.abs(fy) > 0.01)
    vals = spec[band]
    if vals.size == 0:
        return 0.0, 0.0
    med = float(np.median(vals)) + 1e-6
    idx = int(np.argmax(np.where(band, spec, 0)))
    peak = float(spec.flat[idx])
    period = 1.0 / max(float(r.flat[idx]), 1e-6)
    return peak / med, period


def _blocks(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per 8x8 block: texture (std) and noise (mean absolute 3x3-median residual)."""
    g = grey.astype(np.float32)
    res = np.abs(g - cv2.medianBlur(grey, 3).astype(np.float32))
    h, w = (g.shape[0] // 8) * 8, (g.shape[1] // 8) * 8
    tex = g[:h, :w].reshape(h // 8, 8, w // 8, 8).std(axis=(1, 3))
    noise = res[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3))
    return tex, noise


def _flat_noise(tex: np.ndarray, noise: np.ndarray) -> float:
    """Noise on the flattest half of the blocks (edges and print excluded)."""
    if tex.size < 4:
        return 0.0
    flat = tex <= np.median(tex)
    return float(np.median(noise[flat])) + 1e-3


def examine(
    doc: np.ndarray, face: tuple[int, int, int, int] | None, t: Thresholds | None = None
) -> list[Finding]:
    t = t or Thresholds()
    out: list[Finding] = []
    grey = cv2.cvtColor(doc, cv2.COLOR_BGR2GRAY)
    col = colourfulness(doc)
    half, half_period = _peak_ratio(grey, 0.15, 0.45)
    copy = col < t.min_colourfulness or half > t.halftone_peak
    out.append(
        Finding(
            code=codes.PHOTOCOPY_SUSPECTED,
            fired=copy,
            value=round(col, 2),
            threshold=t.min_colourfulness,
            evidence=f"colourfulness {col:.1f} (min {t.min_colourfulness}); halftone peak "
            f"{half:.1f}x at {half_period:.1f} px (max {t.halftone_peak})",
        )
    )
    ycc = cv2.cvtColor(doc, cv2.COLOR_BGR2YCrCb)
    moire = max(_peak_ratio(ycc[:, :, 1], 0.02, 0.45)[0], _peak_ratio(ycc[:, :, 2], 0.02, 0.45)[0])
    out.append(
        Finding.over(
            codes.SCREEN_RECAPTURE_SUSPECTED,
            moire,
            t.moire_peak,
            f"periodic colour pattern {moire:.1f}x the background (max {t.moire_peak})",
        )
    )
    if face is not None:
        x, y, fw, fh = face
        h, w = grey.shape
        x0, y0 = max(0, int(x - 0.3 * fw)), max(0, int(y - 0.3 * fh))
        x1, y1 = min(w, int(x + 1.3 * fw)), min(h, int(y + 1.3 * fh))
        tex, noise = _blocks(grey)
        sel = np.zeros(tex.shape, bool)
        sel[y0 // 8 : y1 // 8, x0 // 8 : x1 // 8] = True
        inside = _flat_noise(tex[sel], noise[sel])
        near = np.zeros(tex.shape, bool)
        near[max(0, y0 - fh) // 8 : (y1 + fh) // 8, max(0, x0 - fw) // 8 : (x1 + fw) // 8] = True
        outside = _flat_noise(tex[~near], noise[~near])
        # one-sided: a pasted photo brings noise the page lacks; a page noisier than its
        # portrait is the page's own texture (a halftone copy, a security print)
        ratio = (inside + 0.3) / (outside + 0.3)
        out.append(
            Finding.over(
                codes.PORTRAIT_SUBSTITUTION_SUSPECTED,
                ratio,
                t.portrait_noise_ratio,
                f"noise in the portrait {inside:.2f} vs the page {outside:.2f} "
                f"(ratio {ratio:.2f}, max {t.portrait_noise_ratio})",
            )
        )
    return out


def stroke_ratio(grey: np.ndarray, box: np.ndarray) -> float | None:
    """Median stroke width over text height of the value in `box` (4x2, page pixels)."""
    x0, y0 = np.floor(box.min(axis=0)).astype(int)
    x1, y1 = np.ceil(box.max(axis=0)).astype(int)
    crop = grey[max(0, y0) : y1, max(0, x0) : x1]
    if crop.size == 0 or crop.shape[0] < 8 or crop.shape[1] < 3 * crop.shape[0]:
        return None
    scale = 48.0 / crop.shape[0]
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.sum(axis=1) > 0)
    if len(rows) < 4:
        return None
    height = float(rows[-1] - rows[0] + 1)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & (ink > 0)
    if ridge.sum() < 10:
        return None
    return float(2.0 * np.median(dist[ridge]) / height)


def font_consistency(
    doc: np.ndarray, values: dict[str, np.ndarray], t: Thresholds | None = None
) -> Finding | None:
    """The printed value whose stroke/height ratio deviates most from the other values."""
    t = t or Thresholds()
    grey = cv2.cvtColor(doc, cv2.COLOR_BGR2GRAY)
    ratios = {k: r for k, b in values.items() if (r := stroke_ratio(grey, b)) is not None}
    if len(ratios) < 4:
        return None
    worst, dev, med = "", 0.0, 0.0
    for k, r in ratios.items():
        others = [v for j, v in ratios.items() if j != k]
        m = float(np.median(others))
        d = abs(r - m) / max(m, 1e-6)
        if d > dev:
            worst, dev, med = k, d, m
    return Finding.over(
        codes.FONT_INCONSISTENT,
        dev,
        t.font_stroke_deviation,
        f"{worst}: stroke/height {ratios[worst]:.3f} vs {med:.3f} for the other "
        f"{len(ratios) - 1} values (deviation {dev:.2f}, max {t.font_stroke_deviation})",
        digits=3,
    )
