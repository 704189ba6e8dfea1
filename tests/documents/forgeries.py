"""Forged documents for measuring the visual fraud cues (test data only).

Written apart from the detector (`shared/documents/forensics.py`): it starts from a genuine
page of the second generator (`generator2.layout_page`) and forges it the way fraudsters do,
then photographs it with that generator's capture:

- `portrait_swap`: another person's photo pasted over the portrait, itself re-compressed,
  noisier or softer than the page (it went through another camera and printer);
- `photocopy`: the page turned grey with toner contrast, often through a halftone screen;
- `screen`: the page shown on a screen (RGB sub-pixel stripes, dark gaps between pixels)
  and photographed from it.

`make_forgery(kind, seed)` -> (image bytes, truth); `KINDS` lists the forgeries.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image

from tests.documents import generator2 as g2

KINDS = ("portrait_swap", "photocopy", "screen")


def _swap_portrait(page: g2.Page, rng: random.Random) -> g2.Page:
    assert page.portrait_box is not None
    x, y, w, h = page.portrait_box
    face = g2.portrait_image(rng, w, h, grey=False)
    how = rng.choice(("jpeg", "noise", "soft"))
    arr = np.asarray(face).astype(np.float32)
    if how == "jpeg":
        buf = io.BytesIO()
        small = face.resize((max(8, w // 3), max(8, h // 3)))
        small.save(buf, "JPEG", quality=rng.randint(8, 20))
        arr = np.asarray(Image.open(buf).resize((w, h), Image.NEAREST)).astype(np.float32)
    elif how == "noise":
        nrng = np.random.default_rng(rng.randrange(1 << 30))
        arr = arr + nrng.normal(0, rng.uniform(9, 16), arr.shape)
    else:
        arr = cv2.GaussianBlur(arr, (0, 0), rng.uniform(2.0, 3.0))
    img = page.image.copy()
    img.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), (x, y))
    return g2.Page(img, page.mrz_box, page.portrait_box)


def _photocopy(page: g2.Page, rng: random.Random) -> g2.Page:
    grey = np.asarray(page.image.convert("L")).astype(np.float32)
    grey = np.clip((grey - 60) * rng.uniform(1.2, 1.5) + 40, 0, 255)
    if rng.random() < 0.6:  # halftone dot screen, rotated 45 degrees
        period = rng.uniform(3.0, 5.0)
        yy, xx = np.mgrid[0 : grey.shape[0], 0 : grey.shape[1]].astype(np.float32)
        u, v = (xx + yy) / 1.414, (xx - yy) / 1.414
        screen = (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period)) * 0.25 + 0.5
        grey = np.where(grey / 255.0 > screen, 255.0, 25.0)
        grey = cv2.GaussianBlur(grey, (0, 0), 0.6)
    warm = np.stack([grey * rng.uniform(0.96, 1.0), grey, grey * rng.uniform(0.98, 1.0)], -1)
    img = Image.fromarray(np.clip(warm, 0, 255).astype(np.uint8))
    return g2.Page(img, page.mrz_box, page.portrait_box)


def _screen(page: g2.Page, rng: random.Random) -> g2.Page:
    arr = np.asarray(page.image).astype(np.float32)
    k = 3
    big = np.repeat(np.repeat(arr, k, axis=0), k, axis=1)
    mask = np.zeros((k, k, 3), np.float32)
    for c in range(3):
        mask[:, c, c] = 1.0
    mask[k - 1, :, :] *= 0.35  # dark gap between pixel rows
    tiled = np.tile(mask, (arr.shape[0], arr.shape[1], 1))
    big = big * tiled * rng.uniform(2.2, 2.6)
    s = rng.uniform(0.38, 0.55) * 1.0  # the camera sees the screen a little smaller
    small = cv2.resize(
        np.clip(big, 0, 255).astype(np.uint8), None, fx=s, fy=s, interpolation=cv2.INTER_AREA
    )
    return g2.Page(
        Image.fromarray(small), _scaled(page.mrz_box, k * s), _scaled(page.portrait_box, k * s)
    )


def _scaled(box: tuple[int, int, int, int] | None, s: float) -> tuple[int, int, int, int] | None:
    return None if box is None else tuple(int(v * s) for v in box)  # type: ignore[return-value]


def make_forgery(kind: str, seed: int) -> tuple[bytes, dict]:
    rng = random.Random(f"forge-{kind}-{seed}")
    doc_kind = rng.choice(("td3", "td3", "td2", "mrva"))
    person = g2.draw_person(rng, doc_kind)
    page = g2.layout_page(doc_kind, person, rng, "data")
    forged = {"portrait_swap": _swap_portrait, "photocopy": _photocopy, "screen": _screen}[kind](
        page, rng
    )
    condition = rng.choice(("clean", "clean", "textured_bg", "jpeg20"))
    data = g2.to_bytes(g2.capture(forged, condition, rng), condition, rng)
    return data, {"forgery": kind, "kind": doc_kind, "condition": condition}
