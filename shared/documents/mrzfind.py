"""Find a machine-readable zone by what it is, anywhere in an image, at any angle.

Used when the layout-based reading (`reader.read_page`: long rows at the bottom of the
rectified document) finds no MRZ or one whose check digits fail. Nothing here assumes where
the MRZ sits, how wide it is relative to the page, or that a document outline was found:

1. the image is padded (text touching an edge is not clipped) and text is detected;
2. every text box gets its direction from its long side; boxes are grouped by direction
   and merged into lines along it;
3. an MRZ candidate is a set of 2-3 parallel lines of similar length and height, each at
   least 12 times longer than high (30-44 monospaced characters), evenly spaced;
4. the lines are recognised upright, and turned 180 degrees when that reads better; a line
   shorter than its format is read again on a crop widened towards the missing
   characters (into the padding) before the parser repairs anything;
5. the best reading by check digits wins; the page is then cut out around the MRZ, upright,
   for the visual zone and the portrait.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np

from shared.documents.mrz import (
    MrzResult,
    find_mrz_in_text,
    known_code,
    nationality_slice,
    normalise_line,
    sex_ok,
)
from shared.documents.ocr import CardOcr, TextBox

MIN_ASPECT = 12.0  # an MRZ line is at least 30 characters of about 0.6 height pitch
SEED_ASPECT = 5.0  # shorter pieces are grown along their ink first
TILT = math.radians(8)  # text steeper than this is levelled before a second detection
WIDTHS = (30, 36, 44)


def pad_image(img: np.ndarray, frac: float = 0.04) -> tuple[np.ndarray, int]:
    """Border of the image's own edge colour so that edge text keeps its margin."""
    h, w = img.shape[:2]
    p = max(8, int(frac * max(h, w)))
    ring = np.concatenate(
        [
            img[:2].reshape(-1, 3),
            img[-2:].reshape(-1, 3),
            img[:, :2].reshape(-1, 3),
            img[:, -2:].reshape(-1, 3),
        ]
    )
    colour = [int(v) for v in np.median(ring, axis=0)]
    return cv2.copyMakeBorder(img, p, p, p, p, cv2.BORDER_CONSTANT, value=colour), p


@dataclass
class _Line:
    angle: float  # direction of the text line, radians in [0, pi)
    x0: float  # extent along the direction, in rotated coordinates
    x1: float
    yc: float  # offset across the direction
    height: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0

    def quad(self, flip: bool, grow: float = 0.0, shift: float = 0.0) -> np.ndarray:
        """tl, tr, br, bl of the line in image coordinates (text upright when read)."""
        x0 = self.x0 - grow * self.length * 0.15 + shift
        x1 = self.x1 + grow * self.length + shift
        hh = self.height / 2
        pts = np.float32(
            [[x0, self.yc - hh], [x1, self.yc - hh], [x1, self.yc + hh], [x0, self.yc + hh]]
        )
        c, s = math.cos(self.angle), math.sin(self.angle)
        rot = np.float32([[c, -s], [s, c]])
        out = pts @ rot.T
        return out[[2, 3, 0, 1]] if flip else out


def _direction(box: np.ndarray) -> tuple[float, float, float]:
    """(angle of the long side in [0, pi), long side, short side)."""
    (_, _), (a, b), deg = cv2.minAreaRect(box.astype(np.float32))
    ang = math.radians(deg)
    if a < b:
        a, b = b, a
        ang += math.pi / 2
    return ang % math.pi, a, b


def _lines(boxes: list[TextBox]) -> list[_Line]:
    """Merge boxes into lines, per direction (boxes whose directions agree within 6 deg)."""
    items = []
    for b in boxes:
        ang, long, short = _direction(b.box)
        if short < 4:
            continue
        items.append((ang, long, short, b))
    out: list[_Line] = []
    used: set[int] = set()
    # seed directions from the longest boxes
    for ang, long, _short, _ in sorted(items, key=lambda t: -t[1] / t[2]):
        if long / max(_short, 1) < 4:
            break
        c, s = math.cos(ang), math.sin(ang)
        group = []
        for j, (a2, _l2, _s2, b2) in enumerate(items):
            if j in used:
                continue
            d = abs(a2 - ang) % math.pi
            if min(d, math.pi - d) > math.radians(6):
                continue
            pts = b2.box.astype(np.float64)
            u = pts[:, 0] * c + pts[:, 1] * s  # along
            v = -pts[:, 0] * s + pts[:, 1] * c  # across
            group.append((j, float(u.min()), float(u.max()), float(v.min()), float(v.max())))
        if not group:
            continue
        # rows across the direction, then merge boxes on each row
        group.sort(key=lambda g: (g[3] + g[4]) / 2)
        rows: list[list[tuple[int, float, float, float, float]]] = []
        for g in group:
            if rows:
                last = rows[-1]
                ref = np.mean([(x[3] + x[4]) / 2 for x in last])
                hh = np.median([x[4] - x[3] for x in last])
                if abs((g[3] + g[4]) / 2 - ref) < 0.5 * max(hh, g[4] - g[3]):
                    last.append(g)
                    continue
            rows.append([g])
        for r in rows:
            r.sort(key=lambda g: g[1])
            # split a row at gaps wider than 3 heights (two different texts side by side)
            hh = float(np.median([g[4] - g[3] for g in r]))
            segs = [[r[0]]]
            for g in r[1:]:
                if g[1] - max(x[2] for x in segs[-1]) > 3 * hh:
                    segs.append([g])
                else:
                    segs[-1].append(g)
            for seg in segs:
                x0, x1 = min(g[1] for g in seg), max(g[2] for g in seg)
                y0 = float(np.median([g[3] for g in seg]))
                y1 = float(np.median([g[4] for g in seg]))
                if (x1 - x0) / max(y1 - y0, 1) >= SEED_ASPECT:
                    out.append(_Line(ang, x0, x1, (y0 + y1) / 2, y1 - y0))
                    used.update(g[0] for g in seg)
    return out


def _band(grey: np.ndarray, ln: _Line, x0: float, x1: float, px: int) -> np.ndarray:
    """The strip of `grey` along the line between x0 and x1 (1.6 line heights, so that paper
    shows above and below the glyphs), `px` pixels high."""
    part = _Line(ln.angle, x0, x1, ln.yc, ln.height * 1.6)
    quad = part.quad(False)
    scale = px / max(ln.height * 1.6, 1.0)
    w = max(8, int((x1 - x0) * scale))
    m = cv2.getPerspectiveTransform(
        quad.astype(np.float32), np.float32([[0, 0], [w, 0], [w, px], [0, px]])
    )
    return cv2.warpPerspective(grey, m, (w, px), flags=cv2.INTER_AREA, borderValue=255)


def grow(grey: np.ndarray, ln: _Line) -> _Line:
    """Extend a line along its direction while there is text (the detector often stops
    short on blurred text or at a filler run); gaps up to 1.6 heights are crossed. A column
    counts as text when it holds ink *and* paper as light as the detected part's paper, so
    a darker background beyond the document is never taken for text."""
    px = 24
    reach = max(1.2 * ln.length, 30 * ln.height)  # an MRZ line is at most ~30 heights
    a, b = ln.x0 - reach, ln.x1 + reach
    band = _band(grey, ln, a, b, px).astype(np.float32)
    scale = px / max(ln.height * 1.6, 1.0)
    i0 = int((ln.x0 - a) * scale)
    i1 = min(band.shape[1] - 1, int((ln.x1 - a) * scale))
    seg = band[:, i0 : i1 + 1]
    paper = float(np.percentile(seg, 90))
    ink = float(np.percentile(seg, 5))
    if paper - ink < 25:
        return ln
    dark = band < paper - 0.45 * (paper - ink)
    light = band > paper - 0.2 * (paper - ink)
    col = (dark.sum(axis=0) >= 2) & (light.sum(axis=0) >= 3)
    gap = px  # the band is 1.6 line heights high: gaps up to 1.6 heights are crossed
    j = i1
    while j < len(col) - 1:
        nxt = np.flatnonzero(col[j + 1 : j + 1 + gap])
        if len(nxt) == 0:
            break
        j = j + 1 + int(nxt[-1])
    k = i0
    while k > 0:
        lo = max(0, k - gap)
        prv = np.flatnonzero(col[lo:k])
        if len(prv) == 0:
            break
        k = lo + int(prv[0])
        if k == lo and lo == 0:
            break
    x0 = min(ln.x0, a + k / scale)
    x1 = max(ln.x1, a + (j + 1) / scale)
    return _Line(ln.angle, x0, x1, ln.yc, ln.height)


def dominant_angle(boxes: list[TextBox]) -> float | None:
    """Direction (radians, [0, pi)) of most text, weighted by box length."""
    votes: dict[int, float] = {}
    for b in boxes:
        ang, long, short = _direction(b.box)
        if long < 3 * max(short, 1):
            continue
        key = round(math.degrees(ang) / 4) % 45
        votes[key] = votes.get(key, 0.0) + long
    if not votes:
        return None
    key = max(votes, key=lambda k: votes[k])
    sel = [
        _direction(b.box)
        for b in boxes
        if round(math.degrees(_direction(b.box)[0]) / 4) % 45 == key
    ]
    # circular mean on doubled angles (direction is defined modulo pi)
    c = sum(math.cos(2 * a) * lg for a, lg, _ in sel)
    s_ = sum(math.sin(2 * a) * lg for a, lg, _ in sel)
    return (math.atan2(s_, c) / 2) % math.pi


def rotate_level(img: np.ndarray, angle: float) -> np.ndarray:
    """Turn the image so that direction `angle` becomes horizontal (canvas enlarged)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), math.degrees(angle), 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    ring = np.concatenate([img[:2].reshape(-1, 3), img[-2:].reshape(-1, 3)])
    colour = [int(v) for v in np.median(ring, axis=0)]
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=colour)


def candidate_groups(lines: list[_Line]) -> list[list[_Line]]:
    """Sets of 2-3 parallel lines of similar length and height, evenly spaced."""
    groups: list[list[_Line]] = []
    buckets: dict[int, list[_Line]] = {}
    for ln in lines:
        buckets.setdefault(round(math.degrees(ln.angle) / 3) % 60, []).append(ln)
    for ls in buckets.values():
        ls = sorted(ls, key=lambda x: x.yc)
        for i in range(len(ls)):
            grp = [ls[i]]
            for j in range(i + 1, len(ls)):
                a, b = grp[-1], ls[j]
                hmax = max(a.height, b.height)
                gap = b.yc - a.yc
                if gap > 3.2 * hmax:
                    break
                if gap < 0.5 * min(a.height, b.height):
                    continue
                if not 0.6 < b.height / a.height < 1.6:
                    continue
                if min(a.length, b.length) / max(a.length, b.length) < 0.55:
                    continue
                if abs(a.x0 - b.x0) > 0.3 * max(a.length, b.length) and abs(
                    a.x1 - b.x1
                ) > 0.3 * max(a.length, b.length):
                    continue
                grp.append(b)
                if len(grp) == 3:
                    break
            if len(grp) >= 2:
                groups.append(grp)
    # longest, best-aligned groups first
    groups.sort(key=lambda g: -sum(x.length for x in g))
    return groups[:4]


def expected_width(texts: list[str]) -> int:
    if len(texts) == 3:
        return 30
    longest = max((len(t) for t in texts), default=0)
    return min(WIDTHS, key=lambda n: (abs(n - longest) if n >= longest - 2 else 99, n))


def _score(res: MrzResult | None) -> tuple[int, int]:
    if res is None:
        return (-1, -1)
    return int(res.checks_valid), sum(c.valid for c in res.checks)


@dataclass
class Found:
    result: MrzResult
    lines: list[_Line]
    flip: bool
    texts: list[str]
    scores: list[float]


_LOOKALIKE_RUN = re.compile(r"[<K]*K{3}[<K]*")


def _fillers(text: str) -> str:
    """Blur turns `<` into K: a run holding three K in a row (no name has one) is read as
    fillers; check digits judge the result. (Digits and other letters are never touched:
    they may be data.)"""
    return _LOOKALIKE_RUN.sub(lambda m: "<" * len(m.group(0)), text)


# Other crops of the same line: padding around the glyphs and scale change what the
# recogniser drops or doubles on long lines (it was trained on short ones), not the glyphs.
VARIANTS = ((0.0, 1.0), (0.3, 1.0), (0.0, 0.6), (0.15, 0.6))


def read_to_width(
    img: np.ndarray,
    quads: list[np.ndarray],
    texts: list[str],
    scores: list[float],
    n: int,
    engine: CardOcr,
) -> tuple[list[str], list[float]]:
    """Every MRZ line has exactly `n` characters (fillers included): a line read with another
    count lost or gained characters, which check digits do not see in names; and the first
    line opens with the document code, a letter. A line that breaks either rule is read
    again on other crops (`VARIANTS`); the reading that most of the well-formed readings
    agree on replaces it. When no reading is well formed the line is kept (a line of the
    wrong length may still be read in pieces, `read_in_parts`)."""
    texts, scores = list(texts), list(scores)
    for i, t in enumerate(texts):
        if well_formed(t, n, i):
            continue
        crops = []
        for pad, scale in VARIANTS:
            c = engine.crop(img, quads[i], pad=pad)
            if scale != 1.0:
                c = cv2.resize(c, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            crops.append(c)
        reads = [(_fillers(normalise_line(t2)), s2) for t2, s2 in engine.recognise(crops)]
        full = [(t2, s2) for t2, s2 in reads if well_formed(t2, n, i)]
        if not full and len(t) != n:
            # the pieces must only add what the whole line dropped (or drop what it
            # doubled): a piece that lost a character of its own is not taken
            parts = read_in_parts(engine.crop(img, quads[i], pad=0.12), n, engine)
            if parts is not None and (_contains(parts, t) if len(t) < n else _contains(t, parts)):
                texts[i] = parts
            continue
        if not full:
            continue
        votes: dict[str, tuple[int, float]] = {}
        for t2, s2 in full:
            k, best = votes.get(t2, (0, 0.0))
            votes[t2] = (k + 1, max(best, s2))
        texts[i] = max(votes, key=lambda k: votes[k])
        scores[i] = votes[texts[i]][1]
    return texts, scores


def well_formed(line: str, n: int, index: int) -> bool:
    """`n` characters; on the first line a letter first (the document code) and a known
    issuing state (`mrz.CODES`), on the second a known nationality and a sex. A code that is no
    state's is a misread no check digit covers (UTOOEBERG read UTEBERG: issuer UTE)."""
    if len(line) != n:
        return False
    name = line if n == 30 and index == 2 else line[5:] if n != 30 and index == 0 else None
    if name is not None and (not name[:1].isalpha() or re.search(r"<{3,}[A-Z]", name)):
        return False  # a name starts with a letter and ends at its first three fillers
    if index == 0:
        return line[:1].isalpha() and known_code(line[2:5])
    if index == 1:
        return known_code(line[nationality_slice(n)]) and sex_ok(line, n)
    return True


def _contains(a: str, b: str) -> bool:
    """Reading `a` holds reading `b` in order (trailing fillers aside)."""
    a, b = a.rstrip("<"), b.rstrip("<")
    it = iter(a)
    return all(c in it for c in b)


def _fit_count(text: str, m: int) -> str | None:
    """A piece read with `m` characters; a count off only in the filler run that ends (or
    starts) the piece (the recogniser counts long `<` runs loosely) is corrected in that
    run. Anything else is refused: a run inside a name separates its parts."""
    if len(text) == m:
        return text
    if not text or set(text) == {"<"}:
        return "<" * m
    diff = m - len(text)
    tail = len(text) - len(text.rstrip("<"))
    head = len(text) - len(text.lstrip("<"))
    if tail >= 2 and tail + diff >= 1:
        return text.rstrip("<") + "<" * (tail + diff)
    if head >= 2 and head + diff >= 1:
        return "<" * (head + diff) + text.lstrip("<")
    return None


def line_pitch(grey: np.ndarray, n: int) -> tuple[float, np.ndarray, int, int, float] | None:
    """Where the ink of an upright MRZ line crop of `n` characters starts and its fixed
    character pitch, from the columns that hold ink in the line's middle rows: (the paper's
    level, the ink count per column, the first and last inked columns, the pitch), or None when the
    crop has too little contrast or too few inked columns to measure."""
    h = grey.shape[0]
    mid = grey[h // 5 : h - h // 5]
    paper, ink = float(np.percentile(mid, 90)), float(np.percentile(mid, 3))
    if paper - ink < 25:
        return None
    cols = (mid < paper - 0.45 * (paper - ink)).sum(axis=0)
    on = np.flatnonzero(cols >= 2)
    if len(on) < n:
        return None
    x0, x1 = int(on[0]), int(on[-1])
    return paper, cols, x0, x1, (x1 - x0 + 1) / (n - 0.3)


def read_in_parts(crop: np.ndarray, n: int, engine: CardOcr) -> str | None:
    """Read an upright MRZ line crop of `n` characters in 2-3 pieces cut in the gaps
    between glyphs. The characters sit at a fixed pitch, so the ink's extent gives the pitch
    and every piece's character count: the recogniser, which drops or doubles characters on
    long lines, must read each shorter piece with exactly that count (up to the length of a
    filler run). None when a piece disagrees or the line's ink cannot be measured."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    h, w = grey.shape
    found = line_pitch(grey.astype(np.float32), n)
    if found is None:
        return None
    _, cols, x0, _, pitch = found
    k = 2 if n <= 36 else 3
    cuts, counts, prev_i = [0], [], 0
    for j in range(1, k):
        i = round(j * n / k)
        x = x0 + (i - 0.15) * pitch
        lo, hi = int(x - 0.35 * pitch), int(x + 0.35 * pitch) + 1
        c = lo + int(np.argmin(cols[lo:hi]))
        cuts.append(c)
        counts.append(i - prev_i)
        prev_i = i
    cuts.append(w)
    counts.append(n - prev_i)
    margin = max(2, int(0.3 * h))
    pieces = [
        cv2.copyMakeBorder(crop[:, a:b], 0, 0, margin, margin, cv2.BORDER_REPLICATE)
        for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    ]
    out = []
    for (t, _), m in zip(engine.recognise(pieces), counts, strict=True):
        fitted = _fit_count(_fillers(normalise_line(t)), m)
        if fitted is None:
            return None
        out.append(fitted)
    return "".join(out)


def _sharpen(crop: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(crop, (0, 0), 2.0)
    return cv2.addWeighted(crop, 1.8, soft, -0.8, 0)


def _aligned(grp: list[_Line]) -> list[_Line]:
    """MRZ lines share their start and end: give every line the group's extent."""
    x0, x1 = min(ln.x0 for ln in grp), max(ln.x1 for ln in grp)
    return [_Line(ln.angle, x0, x1, ln.yc, ln.height) for ln in grp]


def _read(
    img: np.ndarray, order: list[_Line], flip: bool, engine: CardOcr, sharpen: bool
) -> tuple[list[str], list[float]]:
    crops = [engine.crop(img, ln.quad(flip), pad=0.15) for ln in order]
    if sharpen:
        crops = [_sharpen(c) for c in crops]
    reads = engine.recognise(crops)
    texts = [_fillers(normalise_line(t)) for t, _ in reads]
    scores = [s for _, s in reads]
    n = expected_width(texts)
    # a line short of its format: read again on a crop widened towards the missing
    # characters (mostly the end, a little the start) before the parser repairs anything
    for i, t in enumerate(texts):
        if 0 < len(t) < n - 1:
            g = min(0.5, (n - len(t)) / max(len(t), 1) * 1.1)
            crop = engine.crop(img, order[i].quad(flip, grow=g), pad=0.15)
            t2, s2 = engine.recognise([_sharpen(crop) if sharpen else crop])[0]
            t2 = _fillers(normalise_line(t2))
            if abs(len(t2) - n) < abs(len(t) - n):
                texts[i], scores[i] = t2, s2
    if not sharpen:
        texts, scores = read_to_width(
            img, [ln.quad(flip) for ln in order], texts, scores, n, engine
        )
    return texts, scores


def read_group(
    img: np.ndarray, grp: list[_Line], engine: CardOcr, today: date | None
) -> Found | None:
    best: Found | None = None
    grp = _aligned(grp)
    for sharpen in (False, True):
        for flip in (False, True):
            order = list(reversed(grp)) if flip else grp
            texts, scores = _read(img, order, flip, engine, sharpen)
            res = find_mrz_in_text(texts, today=today)
            if res is not None and (best is None or _score(res) > _score(best.result)):
                best = Found(res, order, flip, texts, scores)
            if best is not None and best.result.checks_valid:
                return best
    return best


def find_mrz(
    img: np.ndarray, engine: CardOcr, today: date | None = None, det_limit: int = 960
) -> tuple[np.ndarray, Found] | None:
    """Look for an MRZ anywhere in `img` (BGR). Returns (padded image, reading) or None."""
    padded, _ = pad_image(img)
    boxes = engine.detect(padded, limit=det_limit)
    ang = dominant_angle(boxes)
    if ang is not None and min(ang, math.pi - ang) > TILT:
        # the detector merges steep lines: level the image and detect again
        padded = rotate_level(padded, ang)
        boxes = engine.detect(padded, limit=det_limit)
    grey = cv2.cvtColor(padded, cv2.COLOR_BGR2GRAY)
    lines = [grow(grey, ln) for ln in _lines(boxes)]
    lines = [ln for ln in lines if ln.length >= MIN_ASPECT * ln.height]
    best: Found | None = None
    for grp in candidate_groups(lines):
        got = read_group(padded, grp, engine, today)
        if got is not None and (best is None or _score(got.result) > _score(best.result)):
            best = got
        if best is not None and best.result.checks_valid:
            break
    return (padded, best) if best is not None else None


def upright_page(img: np.ndarray, found: Found) -> tuple[np.ndarray, list[TextBox]]:
    """Cut the document out around its MRZ, turned upright; MRZ rows in page coordinates.

    The page is taken as wide as the MRZ plus a margin and as high as the largest MRZ
    document (0.75 of its width) above the MRZ, clipped to the image.
    """
    first, last = found.lines[0], found.lines[-1]
    length = max(ln.length for ln in found.lines)
    x0 = min(ln.x0 for ln in found.lines) - 0.06 * length
    x1 = max(ln.x1 for ln in found.lines) + 0.06 * length
    ang = first.angle
    c, s = math.cos(ang), math.sin(ang)
    rot = np.float32([[c, -s], [s, c]])
    if found.flip:
        bottom = min(first.yc, last.yc) - 1.2 * first.height
        top = bottom + 0.75 * (x1 - x0)
        corners = np.float32([[x1, top], [x0, top], [x0, bottom], [x1, bottom]])
    else:
        bottom = max(first.yc, last.yc) + 1.2 * first.height
        top = bottom - 0.75 * (x1 - x0)
        corners = np.float32([[x0, top], [x1, top], [x1, bottom], [x0, bottom]])
    quad = corners @ rot.T
    out_w = int(min(1400, max(900, x1 - x0)))
    out_h = int(out_w * 0.75)
    m = cv2.getPerspectiveTransform(
        quad.astype(np.float32), np.float32([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]])
    )
    page = cv2.warpPerspective(
        img, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    rows = []
    for ln, text, score in zip(found.lines, found.texts, found.scores, strict=True):
        q = cv2.perspectiveTransform(ln.quad(found.flip)[None].astype(np.float32), m)[0]
        rows.append(TextBox(q, text=text, score=score))
    return page, rows
