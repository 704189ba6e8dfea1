"""Input validation: every bad upload gets a clear error code, never a crash."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from shared.documents import codes
from shared.documents.check import run_id_document
from shared.documents.image_io import ImageInputError, decode_image


def _img(fmt: str, size=(640, 400), **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), 200, np.uint8)).save(buf, fmt, **kw)
    return buf.getvalue()


def _png_header_only(w: int, h: int) -> bytes:
    """A PNG that claims w x h pixels (a decompression bomb) with almost no data."""

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_accepted_formats(fmt):
    arr, name = decode_image(_img(fmt))
    assert arr.shape == (400, 640, 3) and name in ("jpeg", "png", "webp", "tiff")


def _animated_webp() -> bytes:
    frames = [Image.new("RGB", (300, 300), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "WEBP", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def _multipage_tiff() -> bytes:
    frames = [Image.new("RGB", (300, 300), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", codes.INVALID_IMAGE),
        (b"this is not an image at all", codes.INVALID_IMAGE),
        (_img("JPEG")[:3000], codes.INVALID_IMAGE),  # truncated
        (_img("PNG", size=(1, 1)), codes.IMAGE_TOO_SMALL),
        (_img("GIF"), codes.UNSUPPORTED_FORMAT),
        (_img("BMP"), codes.UNSUPPORTED_FORMAT),
        (_png_header_only(20000, 20000), codes.IMAGE_TOO_LARGE),  # 400 MP bomb
        (_png_header_only(7000, 6000), codes.IMAGE_TOO_LARGE),  # 42 MP
        (b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024), codes.IMAGE_TOO_LARGE),  # > 10 MB
        (_animated_webp(), codes.MULTI_FRAME_IMAGE),
        (_multipage_tiff(), codes.MULTI_FRAME_IMAGE),
    ],
)
def test_bad_inputs_have_codes(data, code):
    with pytest.raises(ImageInputError) as exc:
        decode_image(data)
    assert exc.value.code == code


def test_check_returns_error_result_not_exception():
    res = run_id_document(b"garbage", None)
    assert res.status == "error" and res.warning_codes() == [codes.INVALID_IMAGE]
    res = run_id_document(_img("JPEG"), _png_header_only(20000, 20000))
    assert res.status == "error" and res.warning_codes() == [codes.IMAGE_TOO_LARGE]
    assert "back" in res.warnings[0].message
