"""Tamper signals of an uploaded image: editor tags in EXIF/XMP, and double JPEG compression.

Double compression: a JPEG decoded and saved again leaves DCT coefficients that, divided by
the last quantisation step, cluster in a periodic pattern (empty or doubled bins) instead of
the smooth Laplacian of a single compression (Popescu & Farid; Lin et al.). We recompute the
8x8 DCT of the luminance on the encoder's grid, divide by the file's own table and measure
the periodicity of the histograms of the low-frequency coefficients.
"""

from __future__ import annotations

import re

import numpy as np

from shared.poa.image_read import ImageData
from shared.poa.tamper import IMAGE_DOUBLE_JPEG, IMAGE_EDITOR_SOFTWARE, Signal

IMAGE_EDITORS = [
    (r"photoshop", 0.7),
    (r"\bgimp\b", 0.7),
    (r"lightroom", 0.3),
    (r"affinity", 0.6),
    (r"pixelmator", 0.6),
    (r"paint\.net|mspaint|microsoft paint", 0.6),
    (r"snapseed", 0.45),
    (r"picsart", 0.6),
    (r"canva", 0.6),
    (r"photopea", 0.7),
    (r"fotor", 0.6),
    (r"krita", 0.6),
    (r"inkscape", 0.6),
    (r"pixlr", 0.6),
    (r"luminar", 0.4),
    (r"acdsee", 0.4),
]

_DCT = np.array(
    [
        [np.sqrt((1 if k == 0 else 2) / 8) * np.cos((2 * n + 1) * k * np.pi / 16) for n in range(8)]
        for k in range(8)
    ]
)
_POSITIONS = [(0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (2, 2), (0, 3), (3, 0)]


def software_signals(img: ImageData) -> list[Signal]:
    fields = {k: v for k, v in img.exif.items() if k in ("Software", "ProcessingSoftware")}
    for tag in ("CreatorTool", "softwareAgent", "HistorySoftwareAgent"):
        for m in re.finditer(rf"{tag}[>=\"']+\s*([^<\"']{{1,120}})", img.xmp):
            fields[f"xmp:{tag}"] = m.group(1)
    weight = 0.0
    hits = {}
    for k, v in fields.items():
        for pat, w in IMAGE_EDITORS:
            if re.search(pat, v.lower()):
                hits[k] = v
                weight = max(weight, w)
    if not hits:
        return []
    return [
        Signal(
            IMAGE_EDITOR_SOFTWARE,
            weight,
            "the image was saved by an image editor",
            {
                "fields": hits,
                "camera": {k: img.exif[k] for k in ("Make", "Model") if k in img.exif},
            },
        )
    ]


def _natural_table(q: list[int]) -> np.ndarray:
    """Pillow (>= 8) reports DQT tables in natural row-major order (checked: the libjpeg
    quality-50 table starts 16, 11, 10, 16, 24, 40, 51, 61)."""
    return np.asarray(q, dtype=np.float64).reshape(8, 8)


def double_jpeg_score(gray: np.ndarray, qtable: list[int], max_blocks: int = 60000) -> dict:
    h, w = gray.shape
    h8, w8 = h - h % 8, w - w % 8
    if h8 < 64 or w8 < 64:
        return {"score": 0.0}
    g = gray[:h8, :w8].astype(np.float32) - 128.0
    blocks = g.reshape(h8 // 8, 8, w8 // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    # skip flat blocks (paper background): they only feed the zero bin
    var = blocks.reshape(len(blocks), -1).std(axis=1)
    blocks = blocks[var > 2.0]
    if len(blocks) < 200:
        return {"score": 0.0, "blocks": int(len(blocks))}
    if len(blocks) > max_blocks:
        idx = np.random.default_rng(0).choice(len(blocks), max_blocks, replace=False)
        blocks = blocks[idx]
    coef = np.einsum("ij,njk,lk->nil", _DCT, blocks, _DCT)
    q = _natural_table(qtable)
    per_pos = []
    for u, v in _POSITIONS:
        step = q[u, v]
        if step < 2:
            continue
        k = np.rint(coef[:, u, v] / step).astype(np.int64)
        k = k[(np.abs(k) >= 1) & (np.abs(k) <= 40)]
        if len(k) < 300:
            continue
        hist = np.bincount(np.abs(k), minlength=41)[1:41].astype(np.float64)
        n = int(np.nonzero(hist)[0].max()) + 1 if hist.any() else 0
        if n < 8:
            continue
        hist = hist[:n]
        # periodic residual against a smooth (log-linear) fit
        x = np.arange(1, n + 1)
        logh = np.log(hist + 1.0)
        fit = np.polyval(np.polyfit(x, logh, 2), x)
        resid = logh - fit
        spec = np.abs(np.fft.rfft(resid - resid.mean()))
        if len(spec) < 3:
            continue
        peak = float(spec[2:].max() / (np.median(spec[1:]) + 1e-6))
        # empty bins between populated ones are the strongest evidence
        inner = hist[: max(3, int(0.6 * n))]
        empty = (
            float(((inner < 0.15 * np.maximum(np.roll(inner, 1), np.roll(inner, -1)))[1:-1]).mean())
            if len(inner) > 3
            else 0.0
        )
        per_pos.append(
            {
                "pos": [u, v],
                "step": int(step),
                "peak": round(peak, 2),
                "empty_bins": round(empty, 3),
            }
        )
    if not per_pos:
        return {"score": 0.0}
    peaks = sorted(p["peak"] for p in per_pos)
    empties = sorted(p["empty_bins"] for p in per_pos)
    score = 0.5 * min(1.0, max(0.0, (float(np.median(peaks)) - 2.5) / 3.0)) + 0.5 * min(
        1.0, float(np.median(empties)) * 3
    )
    return {"score": round(score, 3), "positions": per_pos[:6], "blocks": int(len(blocks))}


def recompression_signals(img: ImageData, threshold: float = 0.45) -> list[Signal]:
    if img.format != "jpeg" or img.gray_full is None or not img.quantization:
        return []
    q = img.quantization.get(0)
    if not q or len(q) != 64:
        return []
    res = double_jpeg_score(img.gray_full, q)
    if res.get("score", 0.0) < threshold:
        return []
    return [
        Signal(
            IMAGE_DOUBLE_JPEG,
            0.4,
            "the JPEG shows signs of a second compression",
            {
                "score": res["score"],
                "quality_table_dc_ac": [q[0], q[1], q[2]],
                "positions": res.get("positions", []),
            },
        )
    ]
