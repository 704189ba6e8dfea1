"""Text pieces with positions, and reading order by lines.

A `Segment` is a run of text on one line without a wide gap (a label, a value, an address
line). Coordinates are page fractions (0..1, origin top-left), so text-layer and OCR
segments of the same page can be compared. `Row`s are segments sharing a line, top to bottom;
`Block`s are segments stacked in one column (an address window, an info box).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Segment:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    page: int = 0
    source: str = "text"  # text (PDF text layer) / ocr
    conf: float = 1.0
    fonts: Counter[str] = field(default_factory=Counter)
    size: float = 0.0  # font size (points) or line height (page fraction * 1000) for OCR

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def bbox(self) -> list[float]:
        return [round(self.x0, 4), round(self.y0, 4), round(self.x1, 4), round(self.y1, 4)]


@dataclass
class Row:
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "   ".join(s.text for s in self.segments)

    @property
    def page(self) -> int:
        return self.segments[0].page

    @property
    def y0(self) -> float:
        return min(s.y0 for s in self.segments)


def _v_overlap(a: Segment, b: Segment) -> float:
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    return inter / max(1e-6, min(a.h, b.h))


def group_rows(segments: list[Segment]) -> list[Row]:
    """Reading order: rows top to bottom (per page), segments left to right. A segment joins
    the current row when its centre lies within half a line height of the row's centre."""
    rows: list[Row] = []
    for page in sorted({s.page for s in segments}):
        segs = sorted((s for s in segments if s.page == page), key=lambda s: (s.cy, s.x0))
        current: list[Segment] = []
        for s in segs:
            if current:
                cy = sum(c.cy for c in current) / len(current)
                h = sorted(c.h for c in current)[len(current) // 2]
                if abs(s.cy - cy) > 0.45 * min(h, s.h):
                    rows.append(Row(sorted(current, key=lambda x: x.x0)))
                    current = []
            current.append(s)
        if current:
            rows.append(Row(sorted(current, key=lambda x: x.x0)))
    return rows


def right_neighbor(seg: Segment, segments: list[Segment], max_gap: float = 0.6) -> Segment | None:
    """The nearest segment to the right on the same line (a label's value)."""
    best = None
    for t in segments:
        if t is seg or t.page != seg.page or t.x0 < seg.x1 - 0.005 or t.x0 - seg.x1 > max_gap:
            continue
        if abs(t.cy - seg.cy) > 0.5 * min(t.h, seg.h):
            continue
        if best is None or t.x0 < best.x0:
            best = t
    return best


def left_neighbor(seg: Segment, segments: list[Segment], max_gap: float = 0.6) -> Segment | None:
    best = None
    for t in segments:
        if t is seg or t.page != seg.page or t.x1 > seg.x0 + 0.005 or seg.x0 - t.x1 > max_gap:
            continue
        if abs(t.cy - seg.cy) > 0.5 * min(t.h, seg.h):
            continue
        if best is None or t.x1 > best.x1:
            best = t
    return best


def group_blocks(segments: list[Segment]) -> list[list[Segment]]:
    """Columns of consecutive lines with the same left edge (address windows, info boxes)."""
    blocks: list[list[Segment]] = []
    for page in sorted({s.page for s in segments}):
        segs = sorted((s for s in segments if s.page == page), key=lambda s: (s.cy, s.x0))
        open_blocks: list[list[Segment]] = []
        for s in segs:
            placed = False
            for b in open_blocks:
                last = b[-1]
                gap = s.y0 - last.y1
                lh = max(last.h, s.h)
                if abs(s.x0 - b[0].x0) < 0.02 and -0.6 * lh < gap < 1.2 * lh:
                    b.append(s)
                    placed = True
                    break
            if not placed:
                nb = [s]
                open_blocks.append(nb)
                blocks.append(nb)
            # close blocks that are far above
            open_blocks = [b for b in open_blocks if s.y0 - b[-1].y1 < 3 * max(b[-1].h, s.h)]
    return blocks


def split_runs(
    chars: list[tuple[str, float, float, float, float, str, float]],
    page: int,
    width: float,
    height: float,
) -> list[Segment]:
    """Chars (text, left, bottom, right, top in PDF points, font, size) in content order
    into segments: a new segment on a line change or a gap wider than ~2 spaces."""
    segs: list[Segment] = []
    cur: list[tuple[str, float, float, float, float, str, float]] = []

    def flush() -> None:
        if not cur:
            return
        text = "".join(c[0] for c in cur).strip()
        boxes = [c for c in cur if c[0].strip()]
        if text and boxes:
            x0 = min(c[1] for c in boxes)
            x1 = max(c[3] for c in boxes)
            top = max(c[4] for c in boxes)
            bottom = min(c[2] for c in boxes)
            fonts: Counter[str] = Counter(c[5] for c in boxes)
            size = max(c[6] for c in boxes)
            segs.append(
                Segment(
                    text=" ".join(text.split()),
                    x0=x0 / width,
                    y0=1 - top / height,
                    x1=x1 / width,
                    y1=1 - bottom / height,
                    page=page,
                    source="text",
                    conf=1.0,
                    fonts=fonts,
                    size=size,
                )
            )
        cur.clear()

    for ch in chars:
        t, left, bottom, right, top, _font, size = ch
        if t in ("\r", "\n"):
            flush()
            continue
        if not cur:
            if t.strip():
                cur.append(ch)
            continue
        last = next((c for c in reversed(cur) if c[0].strip()), None)
        if last is None:
            cur.append(ch)
            continue
        if not t.strip():
            cur.append(ch)
            continue
        line_h = max(last[4] - last[2], top - bottom, 1.0)
        same_line = abs((last[2] + last[4]) / 2 - (bottom + top) / 2) < 0.5 * line_h
        gap = left - last[3]
        em = max(size, line_h) or 10.0
        if not same_line or gap > 1.2 * em or gap < -0.5 * em:
            flush()
        cur.append(ch)
    flush()
    return segs
