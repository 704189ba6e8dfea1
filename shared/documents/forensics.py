"""Visual fraud cues on a document front, beyond data consistency.

Each cue is measured on the rectified document and reported with its evidence (the figure,
its threshold), whether it fires or not, so a reviewer sees why:

- photocopy: no chroma variation on the page -- genuine documents carry tinted security
  backgrounds and colour photos, a copy is grey, at most with one global colour cast (toner,
  paper, white balance), which the measure ignores: the spread of chromaticity around the
  page's median, on the inner page (a detection margin of desk or fabric excluded); or a
  regular halftone dot screen (a strong isolated peak in the spectrum of the fine texture).
  Hasler-Suesstrunk colourfulness is kept in the evidence: it falls with a dark exposure
  and rises with a colour cast, so it misjudged both dark genuine photos and tinted copies;
- screen recapture: a photo of a screen shows the screen's sub-pixel grid as colour moire,
  a periodic pattern in the chroma channels far stronger than in genuine print, together
  with a fine luminance lattice (the dark matrix between pixels; a tinted guilloche is
  periodic in colour but not at that fineness in luminance), or a colour peak so strong
  that it needs no lattice (the capture blurred the lattice away);
- portrait substitution: a pasted photo went through another camera, printer or encoder,
  so it differs from the page it sits on; three measures, each against the same page:
  (1) noise -- the noise inside the portrait exceeds the page's by a large factor
  (one-sided: a page noisier than its portrait is its own texture); (2) sharpness -- the
  portrait's strongest edges are much softer than the page's printed edges (edge
  sharpness = fine-scale over coarse-scale gradient at the strongest edges, which does not
  depend on contrast; the capture's own blur affects both alike); (3) a block grid -- a
  strong periodic pattern in the portrait's gradient profile (a low-quality JPEG or an
  upscaled small photo leaves a regular block or pixel grid), reported in the evidence but
  not counted (it added no catch on the calibration set, and blur inflates it on genuine
  photos). The cue fires on (1) or (2); it is not raised on a
  page judged a photocopy or a screen recapture: their screen or pixel grid fills the
  portrait too, and that is a copy, not a paste;
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
    # chroma spread (% of luminance, 90th percentile around the median); 2026-12-06 on the
    # inner page: genuine A (seed 6000) 4.9-27, photocopies (seed 6000) 0.0-2.7, but a page
    # of generator B under another forgery (grey photo on a near-grey background) 2.4: a
    # grey page is grey, so the threshold sits low, between most copies and that page
    min_chroma_spread: float = 2.3
    halftone_peak: float = 140.0
    moire_peak: float = 200.0
    # the screen's luminance grid (same fine-band peak as the halftone); 2026-12-06, seed
    # 6000: screens 106-1569, other forged and genuine pages (A, and B pages under the
    # other forgeries) at most 78 -- the colour peak alone reached 255 on tinted patterns
    screen_luma_peak: float = 90.0
    # ... or a colour peak this strong alone (screens whose luminance grid the capture
    # blurred away: 521-1687 on seeds 1-8)
    moire_alone: float = 450.0
    # portrait noise / page noise, one-sided; 2026-12-05 on seed-6000 fronts with a
    # portrait found: genuine A 0.47-1.11 (39), genuine B 0.88-3.91 (27), pasted photos
    # 0.80-6.44 (22; only the noisy pastes stand out)
    portrait_noise_ratio: float = 4.5
    # portrait edge sharpness / page edge sharpness, fires below; 2026-12-06: genuine A
    # (seed 6000) 0.64-0.78, softened pastes (seeds 6000, 7000) 0.44-0.54 (with a face found)
    portrait_sharpness_ratio: float = 0.58
    # block-grid peak in the portrait's gradient profile, reported only: genuine A (seed
    # 6000) 2.8-8.7, pastes 4-22 (the softened ones highest), no paste caught by it alone
    portrait_grid_peak: float = 12.0
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


def chroma_spread(bgr: np.ndarray) -> float:
    """Spread of chromaticity (in % of luminance) around the median of the inner page: 90th
    percentile of the distance, on a 4x downscale (noise and JPEG chroma blocks averaged
    out). A grey page with a colour cast has a constant chromaticity: spread near 0."""
    h, w = bgr.shape[:2]
    inner = bgr[h // 10 : h - h // 10, w // 10 : w - w // 10]
    s = cv2.resize(inner, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    s = s.astype(np.float32)
    b, g, r = s[..., 0], s[..., 1], s[..., 2]
    y = (r + g + b) / 3
    ok = (y > 40) & (y < 250)
    if ok.sum() < 50:
        return 0.0
    c1 = ((r - g) / (y + 1) * 100)[ok]
    c2 = (((r + g) / 2 - b) / (y + 1) * 100)[ok]
    d = np.hypot(c1 - np.median(c1), c2 - np.median(c2))
    return float(np.percentile(d, 90))


def _greyscale(bgr: np.ndarray) -> bool:
    """All three channels of the inner page equal (within JPEG rounding): no colour was
    ever recorded there."""
    h, w = bgr.shape[:2]
    small = bgr[h // 10 : h - h // 10 : 4, w // 10 : w - w // 10 : 4].astype(np.int16)
    return bool(np.abs(small[..., 0] - small[..., 1]).max() <= 2) and bool(
        np.abs(small[..., 1] - small[..., 2]).max() <= 2
    )


def _edge_sharpness(g07: np.ndarray, g20: np.ndarray, mask: np.ndarray) -> float | None:
    """Fine-scale over coarse-scale gradient at the strongest edges of `mask` (top 10 % of
    the coarse gradient): about 2.1 for a sharp step, falling towards 1 as edges soften."""
    v = g20[mask]
    if v.size < 50:
        return None
    sel = mask & (g20 >= np.percentile(v, 90)) & (g20 > 4)
    if sel.sum() < 20:
        return None
    fine = cv2.dilate(g07, np.ones((3, 3), np.uint8))
    return float(np.median(fine[sel] / (g20[sel] + 1e-3)))


def _gradient(grey: np.ndarray, sigma: float) -> np.ndarray:
    b = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), sigma)
    return np.hypot(cv2.Sobel(b, cv2.CV_32F, 1, 0), cv2.Sobel(b, cv2.CV_32F, 0, 1)) / 8


def _grid_peak(crop: np.ndarray) -> tuple[float, float]:
    """Strongest periodic peak (2.2-40 px) in the column and row profiles of the absolute
    gradient, over the band's median. Returns (ratio, period in pixels)."""
    c = crop.astype(np.float32)
    if min(c.shape) < 48:
        return 0.0, 0.0
    best = (0.0, 0.0)
    for prof in (np.abs(np.diff(c, axis=1)).mean(0), np.abs(np.diff(c, axis=0)).mean(1)):
        p = prof - cv2.GaussianBlur(prof.reshape(1, -1), (0, 0), 6).ravel()
        spec = np.abs(np.fft.rfft(p * np.hanning(len(p))))
        f = np.fft.rfftfreq(len(p))
        band = (f >= 1 / 40) & (f <= 1 / 2.2)
        if not band.any():
            continue
        i = int(np.argmax(np.where(band, spec, 0)))
        ratio = float(spec[i] / (np.median(spec[band]) + 1e-6))
        if ratio > best[0]:
            best = (ratio, float(1 / f[i]))
    return best


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
    spread = chroma_spread(doc)
    half, half_period = _peak_ratio(grey, 0.15, 0.45)
    ycc = cv2.cvtColor(doc, cv2.COLOR_BGR2YCrCb)
    moire = max(_peak_ratio(ycc[:, :, 1], 0.02, 0.45)[0], _peak_ratio(ycc[:, :, 2], 0.02, 0.45)[0])
    # a screen's grid shows in colour (sub-pixel stripes) and, unless the photo blurred it
    # away, in luminance (the dark matrix between pixels); a tinted security pattern is
    # periodic in colour alone, and less strongly than a screen's grid
    screen = moire > t.moire_alone or (moire > t.moire_peak and half > t.screen_luma_peak)
    # a fine luminance lattice on a screen photo is the screen's grid, not a halftone
    grey_img = _greyscale(doc)
    copy = spread < t.min_chroma_spread or (half > t.halftone_peak and not screen)
    out.append(
        Finding(
            code=codes.PHOTOCOPY_SUSPECTED,
            fired=copy,
            value=round(spread, 2),
            threshold=t.min_chroma_spread,
            evidence=f"chroma spread {spread:.1f} % (min {t.min_chroma_spread}); halftone "
            f"peak {half:.1f}x at {half_period:.1f} px (max {t.halftone_peak}"
            + (", taken as the screen's grid" if screen and half > t.halftone_peak else "")
            + f"); colourfulness {col:.1f}"
            + ("; the image itself is greyscale (a grey scan or upload)" if grey_img else ""),
        )
    )
    out.append(
        Finding(
            code=codes.SCREEN_RECAPTURE_SUSPECTED,
            fired=screen,
            value=round(moire, 2),
            threshold=t.moire_peak,
            evidence=f"periodic colour pattern {moire:.1f}x the background (max {t.moire_peak} "
            f"with a luminance grid, {t.moire_alone} alone); luminance grid {half:.1f}x at "
            f"{half_period:.1f} px (min {t.screen_luma_peak})",
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
        noise_ratio = (inside + 0.3) / (outside + 0.3)
        # sharpness: the face box itself (surely inside the photo) vs the page away from it
        g07, g20 = _gradient(grey, 0.7), _gradient(grey, 2.0)
        core = np.zeros(grey.shape, bool)
        core[max(0, y) : y + fh, max(0, x) : x + fw] = True
        away = np.ones(grey.shape, bool)
        away[max(0, y - fh) : y + 2 * fh, max(0, x - fw) : x + 2 * fw] = False
        s_in, s_out = _edge_sharpness(g07, g20, core), _edge_sharpness(g07, g20, away)
        sharp = s_in / s_out if s_in is not None and s_out else 1.0
        grid, grid_period = _grid_peak(grey[max(0, y) : y + fh, max(0, x) : x + fw])
        # the block grid is reported, not counted: on the calibration pastes it caught none
        # that noise or sharpness missed, and blur (motion, defocus) inflates it on genuine
        # photos (the peak is taken over a band whose median blur lowers)
        score = max(
            noise_ratio / t.portrait_noise_ratio, t.portrait_sharpness_ratio / max(sharp, 1e-3)
        )
        why = (
            f"noise in the portrait {inside:.2f} vs the page {outside:.2f} (ratio "
            f"{noise_ratio:.2f}, max {t.portrait_noise_ratio}); edge sharpness {sharp:.2f} of "
            f"the page's (min {t.portrait_sharpness_ratio}); block grid {grid:.1f}x at "
            f"{grid_period:.1f} px (reported only; genuine up to {t.portrait_grid_peak})"
        )
        if copy or screen:
            what = "a photocopy" if copy else "a screen recapture"
            why = f"not raised: the page is {what} (its grid fills the portrait too); " + why
        out.append(
            Finding(
                code=codes.PORTRAIT_SUBSTITUTION_SUSPECTED,
                fired=score > 1.0 and not (copy or screen),
                value=round(score, 3),
                threshold=1.0,
                evidence=why,
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
