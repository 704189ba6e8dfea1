"""Find the card or passport page in a photo and rectify it to a flat, landscape image.

Works on a downscaled copy: edges (Canny, dilated) and, as a second opinion, a brightness /
saturation threshold; the largest convex quadrilateral that covers a plausible share of the
frame wins. The rectified document is always landscape; whether it is upside down is decided
later by the reader (MRZ position, text direction), so any rotation angle is handled:
perspective + in-plane angle here, the remaining 90/180/270 ambiguity by the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 640
RECT_WIDTH = 1100  # rectified documents are this wide (px): OCR reads MRZ well at this size
OUT_OF_FRAME_MARGIN = 0.03  # of the width, around a document that runs out of the frame


@dataclass
class Detection:
    document: np.ndarray  # rectified BGR, landscape
    quad: np.ndarray | None  # 4x2 corners in source pixels (tl, tr, br, bl), None if not found
    detected: bool
    in_frame: bool
    source_width_px: int  # width of the document in the source image (resolution figure)


def _order(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # clockwise from the left-most/top (image coords)
    # start at the corner closest to top-left
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _candidates(small: np.ndarray) -> list[np.ndarray]:
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    masks = []
    edges = cv2.Canny(grey, 30, 90)
    masks.append(cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2))
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    _, bright = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    low_sat = cv2.inRange(hsv[:, :, 1], 0, 70)
    masks.append(cv2.morphologyEx(bright & low_sat, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    masks.append(cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    quads: list[np.ndarray] = []
    area_img = small.shape[0] * small.shape[1]
    for i, m in enumerate(masks):
        mode = cv2.RETR_LIST if i == 0 else cv2.RETR_EXTERNAL
        contours, _ = cv2.findContours(m, mode, cv2.CHAIN_APPROX_SIMPLE)
        for c in sorted(contours, key=cv2.contourArea, reverse=True)[:8]:
            area = cv2.contourArea(c)
            if area < 0.12 * area_img:
                continue
            hull = cv2.convexHull(c)
            peri = cv2.arcLength(hull, True)
            approx = None
            for eps in (0.02, 0.03, 0.05):
                a = cv2.approxPolyDP(hull, eps * peri, True)
                if len(a) == 4:
                    approx = a
                    break
            if approx is None:
                approx = cv2.boxPoints(cv2.minAreaRect(hull)).reshape(4, 1, 2)
            fill = area / max(1.0, cv2.contourArea(approx.astype(np.float32)))
            if fill < 0.8:
                continue
            quads.append(approx.reshape(4, 2).astype(np.float32))
    return quads


def _score(q: np.ndarray, area_img: float, shape: tuple[int, int]) -> float:
    o = _order(q)
    w = (np.linalg.norm(o[1] - o[0]) + np.linalg.norm(o[2] - o[3])) / 2
    h = (np.linalg.norm(o[3] - o[0]) + np.linalg.norm(o[2] - o[1])) / 2
    ratio = max(w, h) / max(1.0, min(w, h))
    if not 1.2 <= ratio <= 1.9:  # ID-1 card 1.586, passport page 1.42
        return -1.0
    frac = cv2.contourArea(o) / area_img
    if frac > 0.97:
        return -1.0
    # a corner sitting in a corner of the image is usually the frame, not the document
    hh, ww = shape
    at_corner = sum(1 for x, y in o if min(x, ww - 1 - x) < 3 and min(y, hh - 1 - y) < 3)
    # a quad glued to the border has often merged with the background: prefer one inside
    at_border = sum(1 for x, y in o if min(x, ww - 1 - x, y, hh - 1 - y) < 3)
    return frac * (0.4 if at_corner else 1.0) * (0.6 if at_border else 1.0)


def detect_document(image: np.ndarray) -> Detection:
    h, w = image.shape[:2]
    scale = WORK_WIDTH / max(w, h)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    area_img = small.shape[0] * small.shape[1]
    best, best_score = None, 0.0
    for q in _candidates(small):
        s = _score(q, area_img, small.shape[:2])
        if s > best_score:
            best, best_score = q, s
    if best is None:
        doc = image if w >= h else cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
        return Detection(_resize(doc), None, False, True, max(w, h))
    quad = _order(best) / scale
    tw = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    th = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    if th > tw:  # portrait-looking quad: start at another corner so the result is landscape
        quad = np.roll(quad, -1, axis=0)
        tw, th = th, tw
    out_w = RECT_WIDTH
    out_h = int(round(out_w * th / tw))
    margin = 2.0
    in_frame = bool(
        (quad[:, 0] > margin).all()
        and (quad[:, 1] > margin).all()
        and (quad[:, 0] < w - margin).all()
        and (quad[:, 1] < h - margin).all()
    )
    # A document running out of the frame has an outline partly made of the image border
    # (or guessed): its true edge may lie beyond it, and text near that edge would be cut.
    # Such a document is cut out with a margin of the photo around the outline.
    pad = 0 if in_frame else int(OUT_OF_FRAME_MARGIN * out_w)
    m = cv2.getPerspectiveTransform(
        quad.astype(np.float32),
        np.float32(
            [[pad, pad], [out_w + pad, pad], [out_w + pad, out_h + pad], [pad, out_h + pad]]
        ),
    )
    doc = cv2.warpPerspective(
        image,
        m,
        (out_w + 2 * pad, out_h + 2 * pad),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return Detection(doc, quad, True, in_frame, int(tw))


def _resize(img: np.ndarray) -> np.ndarray:
    """Large photos are reduced to RECT_WIDTH; small scans are enlarged to it (bicubic), so
    that the text detector sees characters of a normal size either way."""
    h, w = img.shape[:2]
    if RECT_WIDTH * 0.8 <= w <= RECT_WIDTH * 1.3:
        return img
    s = RECT_WIDTH / w
    inter = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, None, fx=s, fy=s, interpolation=inter)
