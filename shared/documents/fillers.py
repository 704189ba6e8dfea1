"""The MRZ filler `<` told from letters by its shape, at the MRZ's fixed character pitch.

On small or blurred captures the recogniser reads the filler as a letter of similar outline
(`C`, `K`, `S`: `PCPRTCOSTACCYUSUF...`, `MATTEOSS<S<<S...`). Check digits do not cover the
name, and the name format cannot tell either (`K`, `C` and `S` are letters names hold).
The image can: every MRZ character sits in a cell of the same width (ICAO 9303 prints the
MRZ in a monospaced OCR-B), and `<` is a chevron whose left end is a single point at
mid-height, where `C` and `S` have ink over the glyph's height. (`K` is not decided here:
its arms are a whole `<`, and blurred it scores as high as a filler.)

The decision needs no fitted threshold: the image itself supplies both classes. The cells
read as `<` give the filler's template on *this* image; each cell is scored by its
correlation with that template; the cells read as `<` and the cells read as other letters
and digits give the two score levels, and a cell read as a look-alike letter in the name
field is a filler when its score is nearer the fillers' level than the letters'. When the
letters read do not stay clear of the fillers' level (the pitch was measured wrong, the
crop cut the line, too few references), nothing is changed. (The cells read `<` are not
held to the same: on a smeared line some of them sit off the measured grid, and a few are
letters misread, which the median template outweighs.)
"""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np

from shared.documents.mrz import FORMATS, MrzError, MrzResult, Repair, normalise_line, parse_mrz
from shared.documents.mrzfind import line_pitch
from shared.documents.ocr import CardOcr, TextBox

LOOKALIKES = "CKS"  # letters the recogniser returns for a small or blurred `<`
# those the shape test decides: K holds a whole `<` in its arms and, blurred, scores as
# high as a filler (left to the name rules, `mrz._name_tail`, and `mrzfind._fillers`)
DECIDED = "CS"
CELL = 12  # side of the grid a cell is compared on
MIN_REFS = 4  # reference cells needed in each class
SEPARATION = 0.9  # share of the letters read that must fall on the letters' side
SHIFTS = (-0.2, -0.1, 0.0, 0.1, 0.2)  # cell phase tried, in pitches


def _cells(crop: np.ndarray, n: int) -> list[list[np.ndarray]] | None:
    """The `n` character cells of an upright MRZ line crop, each at a few phases around
    the pitch's grid (darkness on a CELL x CELL grid, zero mean, unit norm), or None when
    the line's ink cannot be measured."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    grey = grey.astype(np.float32)
    h, w = grey.shape
    found = line_pitch(grey, n)
    if found is None:
        return None
    paper, _, x0, x1, pitch = found
    dark = np.clip(paper - grey, 0, None)
    rows = dark[:, x0 : x1 + 1].sum(axis=1)
    band = np.flatnonzero(rows > 0.2 * rows.max())
    if len(band) < 3:
        return None
    y0, y1 = int(band[0]), int(band[-1]) + 1
    out = []
    for i in range(n):
        variants = []
        for s in SHIFTS:
            a = x0 + (i - 0.15 + s) * pitch
            lo, hi = int(round(a)), int(round(a + pitch))
            if lo < 0 or hi > w or hi - lo < 3:
                variants.append(np.zeros(CELL * CELL, np.float32))
                continue
            cell = cv2.resize(dark[y0:y1, lo:hi], (CELL, CELL), interpolation=cv2.INTER_AREA)
            v = cell.ravel() - float(cell.mean())
            variants.append(v / max(float(np.linalg.norm(v)), 1e-6))
        out.append(variants)
    return out


def _score(variants: list[np.ndarray], template: np.ndarray) -> float:
    return max(float(v @ template) for v in variants)


def _unit(v: np.ndarray) -> np.ndarray:
    v = v - float(v.mean())
    return v / max(float(np.linalg.norm(v)), 1e-6)


def _left(variants: list[np.ndarray]) -> list[np.ndarray]:
    """The left half of each cell (the chevron's apex; the stem of K, the bowl of C and S)."""
    return [_unit(v.reshape(CELL, CELL)[:, : CELL // 2].ravel()) for v in variants]


def _cut(f_level: float, g_level: float, scores: np.ndarray) -> float:
    """The score above which a cell is a filler. Halfway between the fillers' and the
    letters' levels, unless the fillers and candidates together split in two groups
    (Otsu's split of their scores) whose lower group is nearer the letters' level: letters
    that share part of the chevron (K holds a whole `<` in its arms) score between the
    levels, and on this image they form a group of their own below the fillers."""
    cut = (f_level + g_level) / 2
    v = np.sort(scores)
    if len(v) < 3:
        return cut
    best, split = -1.0, None
    for k in range(1, len(v)):
        lo, hi = v[:k], v[k:]
        between = len(lo) * len(hi) * (float(lo.mean()) - float(hi.mean())) ** 2
        if between > best:
            best, split = between, k
    assert split is not None
    lower = float(v[:split].mean())
    if abs(lower - g_level) < abs(lower - f_level):
        cut = max(cut, float(v[split - 1] + v[split]) / 2)
    return cut


def filler_cells(
    crops: list[np.ndarray], texts: list[str], n: int, candidates: list[int], line: int
) -> set[int] | None:
    """Which of the `candidates` (positions on line `line`, read as a look-alike letter) are
    fillers by their shape. `crops[i]` is the upright crop of line `i`, read as `texts[i]`
    (exactly `n` characters; other lines are not used). None when the image cannot decide.

    Two scores per cell, correlation with the filler template over the whole cell and over
    its left half (K holds a whole `<` in its arms; its stem is what differs); a candidate
    is a filler when both scores are nearer the fillers' level than the letters'."""
    cells: dict[int, list[list[np.ndarray]]] = {}
    for i, (crop, t) in enumerate(zip(crops, texts, strict=True)):
        if len(t) == n:
            c = _cells(crop, n)
            if c is not None:
                cells[i] = c
    if line not in cells:
        return None
    fill = [(i, j) for i in cells for j, ch in enumerate(texts[i]) if ch == "<"]
    glyph = [
        (i, j)
        for i in cells
        for j, ch in enumerate(texts[i])
        if ch != "<" and ch not in LOOKALIKES and not (i == line and j in candidates)
    ]
    if len(fill) < MIN_REFS or len(glyph) < MIN_REFS:
        return None
    zero = SHIFTS.index(0.0)
    whole = _unit(np.median(np.stack([cells[i][j][zero] for i, j in fill]), axis=0))
    left = _unit(whole.reshape(CELL, CELL)[:, : CELL // 2].ravel())
    cuts = []
    for template, view in ((whole, lambda v: v), (left, _left)):
        f_scores = np.array([_score(view(cells[i][j]), template) for i, j in fill])
        g_scores = np.array([_score(view(cells[i][j]), template) for i, j in glyph])
        f_level, g_level = float(np.median(f_scores)), float(np.median(g_scores))
        c_scores = np.array([_score(view(cells[line][j]), template) for j in candidates])
        cut = _cut(f_level, g_level, np.concatenate([f_scores, c_scores]))
        if not (f_level > g_level and np.mean(g_scores < cut) >= SEPARATION):
            return None
        cuts.append(cut)
    return {
        j
        for j in candidates
        if _score(cells[line][j], whole) > cuts[0] and _score(_left(cells[line][j]), left) > cuts[1]
    }


def settle_fillers(
    doc: np.ndarray,
    res: MrzResult,
    rows: list[TextBox],
    engine: CardOcr,
    today: date | None = None,
) -> MrzResult | None:
    """The MRZ read again with every look-alike letter of the name field that has the
    filler's shape turned into `<` (`filler_cells`); None when nothing changes or the
    new reading's check digits are worse."""
    n = FORMATS[res.format][1]
    idx = 2 if res.format == "TD1" else 0
    start = 0 if res.format == "TD1" else 5
    texts = list(res.ocr_lines)
    name = texts[idx] if idx < len(texts) else ""
    # the name field, and on two-line formats the document code's second character (a
    # filler or a letter, no check digit covers it either)
    candidates = [
        j for j, ch in enumerate(name) if (j >= start or (idx == 0 and j == 1)) and ch in DECIDED
    ]
    if len(name) != n or not candidates:
        return None
    used = [next((r for r in rows if normalise_line(r.text) == t), None) for t in texts]
    if used[idx] is None:
        return None
    crops = [
        engine.crop(doc, r.box, pad=0.12) if r is not None else np.zeros((1, 1), np.uint8)
        for r in used
    ]
    texts_ok = [t if r is not None else "" for t, r in zip(texts, used, strict=True)]
    fills = filler_cells(crops, texts_ok, n, candidates, idx)
    if not fills:
        return None
    new_name = "".join("<" if j in fills else ch for j, ch in enumerate(name))
    new_texts = [*texts[:idx], new_name, *texts[idx + 1 :]]
    try:
        again = parse_mrz(new_texts, fmt=res.format, today=today)
    except MrzError:
        return None
    if sum(c.valid for c in again.checks) < sum(c.valid for c in res.checks):
        return None
    again.repairs = [
        *again.repairs,
        Repair(field="name", before=name, after=new_name, reason="filler shape"),
    ]
    again.ocr_lines = res.ocr_lines  # as read: the rows' texts
    return again
