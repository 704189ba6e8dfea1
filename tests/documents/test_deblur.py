"""Linear motion blur: estimated from the photo's cepstrum, undone, the MRZ read again.

The blurred photos are generator-A pages smeared here (a box kernel drawn in this file);
generator B's own motion-blur condition is measured by `python -m bench.documents`."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

from shared.documents import deblur
from shared.documents.check import run_id_document, warm_up
from shared.documents.image_io import decode_image
from shared.documents.params import IdDocumentParams
from tests.documents.generator import make_sample


class Ctx:
    def today(self) -> date:
        return date(2026, 1, 1)


def _smear(img: np.ndarray, n: int, angle: float, seed: int = 0) -> np.ndarray:
    k = np.zeros((n, n), np.float32)
    k[n // 2, :] = 1.0
    rm = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, rm, (n, n))
    out = cv2.filter2D(img, -1, k / k.sum()).astype(np.float32)
    out += np.random.default_rng(seed).normal(0, 2.0, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def page() -> tuple[np.ndarray, list[str]]:
    s = make_sample("td3", "clean", 7303)
    img, _ = decode_image(s.front, "front")
    return img, s.truth["mrz"]


@pytest.mark.parametrize(("n", "angle"), [(6, 20.0), (9, 95.0), (13, 147.0)])
def test_blur_direction_and_length_are_estimated(page, n: int, angle: float) -> None:
    img, _ = page
    m = deblur.estimate(cv2.cvtColor(_smear(img, n, angle), cv2.COLOR_BGR2GRAY))
    assert m is not None
    d = abs(m.angle - angle) % 180
    assert min(d, 180 - d) <= 4, m
    assert abs(m.length - n) <= 1.5, m


def test_sharp_and_gaussian_blurred_photos_show_no_motion(page) -> None:
    img, _ = page
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert deblur.estimate(grey) is None
    assert deblur.estimate(cv2.GaussianBlur(grey, (0, 0), 2.0)) is None


def test_motion_blurred_passport_is_read_exactly(page) -> None:
    warm_up()
    img, truth = page
    blurred = _smear(img, 12, 147.0, seed=1)
    data = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    r = run_id_document(data, None, IdDocumentParams(check_viz=False), Ctx())
    mrz = r.data.get("mrz") or {}
    assert mrz.get("lines") == truth
    assert "front_deblur" in r.data["timings_ms"]
