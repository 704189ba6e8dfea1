"""The image guard: every engine refuses bombs from the header, fast and in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from shared.imaging.guard import ImageLimits, ImageRefused, decode_bgr, inspect
from tests.imaging.bombs import BOMBS, png_bomb, png_header_then_html, png_then_html


def test_the_png_bomb_is_real():
    data = png_bomb()
    assert len(data) < 1_000_000
    with pytest.raises(ImageRefused) as exc:
        inspect(data)
    assert exc.value.reason == "too_many_pixels"


@pytest.mark.parametrize("fmt", sorted(BOMBS))
def test_every_bomb_is_refused_from_the_header(fmt):
    data = BOMBS[fmt]()
    started = time.perf_counter()
    with pytest.raises(ImageRefused) as exc:
        decode_bgr(data, ImageLimits(formats=frozenset({"JPEG", "PNG", "WEBP", "TIFF", "GIF"})))
    assert exc.value.reason in ("too_many_pixels", "too_large_decoded")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("fmt", sorted(BOMBS))
def test_every_engine_refuses_every_bomb(fmt):
    from shared.documents import codes as doc_codes
    from shared.documents.image_io import ImageInputError
    from shared.documents.image_io import decode_image as doc_decode
    from shared.faces.image_io import BadImage
    from shared.faces.image_io import decode_image as face_decode
    from shared.poa import codes as poa_codes
    from shared.poa.image_read import PoaImageRefused, open_image

    data = BOMBS[fmt]()
    with pytest.raises(ImageInputError) as d:
        doc_decode(data)
    assert d.value.code in (doc_codes.IMAGE_TOO_LARGE, doc_codes.UNSUPPORTED_FORMAT)
    with pytest.raises(BadImage):
        face_decode(data)
    with pytest.raises(PoaImageRefused) as p:
        open_image(data)
    assert p.value.code in (poa_codes.POA_IMAGE_TOO_LARGE, poa_codes.POA_UNSUPPORTED_FORMAT)


def test_nfc_dg2_portrait_bomb_is_refused():
    from shared.nfc.dg2 import FaceImage, decode_image
    from shared.nfc.errors import NfcError

    for make in (BOMBS["jpeg"], BOMBS["png"]):
        with pytest.raises(NfcError):
            decode_image(FaceImage("jpeg", 30000, 30000, "unspecified", 0, make()))


_RSS_PROBE = """
import json, resource, sys, time
from shared.faces.image_io import decode_image as face_decode
from shared.documents.image_io import decode_image as doc_decode
from shared.poa.image_read import open_image
from tests.imaging.bombs import BOMBS
datas = [BOMBS[f]() for f in sorted(BOMBS)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
for data in datas:
    for fn in (face_decode, doc_decode, open_image):
        try:
            fn(data)
        except Exception:
            pass
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kb": after - before, "seconds": time.perf_counter() - t0}))
"""


def test_bombs_cost_neither_memory_nor_time():
    """In a fresh process: the peak RSS grows by < 64 MB over 5 bombs x 3 engines."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["grew_kb"] < 64 * 1024, figures
    assert figures["seconds"] < 5.0, figures


def test_a_png_signature_followed_by_html_is_not_an_image():
    from shared.errors import DomainError
    from shared.http.problem import problem_for
    from shared.sessions.artifacts import validate_upload

    for data in (png_then_html(), png_header_then_html()):
        with pytest.raises(DomainError) as exc:
            validate_upload("selfie", data, 10 * 1024 * 1024)
        problem = problem_for(exc.value)  # what the HTTP edge answers
        assert problem.status == 422 and problem.code == "invalid-image"
    with pytest.raises(DomainError) as bomb:
        validate_upload("selfie", png_bomb(), 10 * 1024 * 1024)
    problem = problem_for(bomb.value)
    assert problem.status == 413 and problem.code == "image-too-large"


def test_real_images_still_decode_in_every_format():
    import io

    from PIL import Image

    from shared.sessions.artifacts import validate_upload

    for fmt, ctype in (
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
    ):
        buf = io.BytesIO()
        Image.new("RGB", (320, 240), (10, 200, 30)).save(buf, format=fmt)
        bgr, header = decode_bgr(buf.getvalue())
        assert bgr.shape == (240, 320, 3)
        assert max(abs(int(a) - b) for a, b in zip(bgr[0, 0], (30, 200, 10), strict=True)) <= 3
        assert header.width == 320
        assert validate_upload("selfie", buf.getvalue(), 10 * 1024 * 1024) == ctype


def test_animated_and_multi_page_images_are_refused_where_one_frame_is_expected():
    import io

    from PIL import Image

    frames = [Image.new("RGB", (300, 300), (i * 40, 0, 0)) for i in range(3)]
    for fmt in ("PNG", "WEBP", "TIFF"):
        buf = io.BytesIO()
        frames[0].save(buf, format=fmt, save_all=True, append_images=frames[1:])
        with pytest.raises(ImageRefused) as exc:
            inspect(buf.getvalue())
        assert exc.value.reason == "too_many_frames", fmt
        assert inspect(buf.getvalue(), ImageLimits(max_frames=3)).frames == 3


_VIDEO_PROBE = """
import json, resource, sys, time
from shared.faces.image_io import BadImage
from shared.faces.video import frames_from_video
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    frames_from_video(data)
    outcome = "accepted"
except BadImage as exc:
    outcome = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kb": after - before, "outcome": outcome}))
"""


def test_a_long_video_is_refused_without_decoding_it_whole(tmp_path):
    """1000 static 640x480 frames: a few hundred KB that decode to ~920 MB if all are held."""
    import cv2
    import numpy as np

    path = tmp_path / "long.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 480))
    frame = np.full((480, 640, 3), 90, np.uint8)
    for _ in range(1000):
        writer.write(frame)
    writer.release()
    assert path.stat().st_size < 2_000_000
    out = subprocess.run(
        [sys.executable, "-c", _VIDEO_PROBE, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert "frame limit" in figures["outcome"] or "longer than" in figures["outcome"], figures
    assert figures["grew_kb"] < 150 * 1024, figures
