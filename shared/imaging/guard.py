"""The one gate every image passes before an engine decodes it.

Order matters: bytes, then the header (format, width, height, mode: Pillow reads them
without decoding pixels), then the pixel budget and the decoded-size budget (width x height x
bytes per pixel of the stored mode), then the frame count, and only then are pixels decoded.
A 30000x30000 PNG of 875 KB is refused in milliseconds with a few MB of memory, whichever
engine receives it. Pillow's own bomb limit is not relied on (it is global and lenient).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # Pillow and numpy are imported on first use: a function that takes no
    # image (email, phone, AML, the orchestrator) never pays for them
    import numpy as np
    from PIL import Image

Reason = Literal[
    "empty",
    "too_many_bytes",
    "unsupported_format",
    "too_many_pixels",
    "too_large_decoded",
    "too_many_frames",
    "too_small",
    "undecodable",
]

# Bytes per pixel of Pillow's storage modes (unknown modes count as 4).
_MODE_BYTES = {
    "1": 1,
    "L": 1,
    "P": 1,
    "LA": 2,
    "PA": 2,
    "La": 2,
    "RGB": 3,
    "YCbCr": 3,
    "LAB": 3,
    "HSV": 3,
    "RGBA": 4,
    "RGBa": 4,
    "RGBX": 4,
    "CMYK": 4,
    "I": 4,
    "F": 4,
    "I;16": 2,
    "I;16B": 2,
    "I;16L": 2,
    "I;16N": 2,
}
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "TIFF", "MPO"})
FORMAT_NAMES = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "TIFF": "tiff",
    "JPEG2000": "jp2",
    "GIF": "gif",
    "BMP": "bmp",
}


class ImageRefused(ValueError):
    """The bytes are refused before (or while) decoding; `reason` says why."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    # Memory one decode may take: stored pixels plus the RGB working copy.
    max_decoded_bytes: int = 256 * 1024 * 1024
    max_frames: int = 1
    min_side: int = 1
    formats: frozenset[str] = PHOTO_FORMATS


@dataclass(frozen=True)
class ImageHeader:
    format: str  # Pillow's name: JPEG, PNG, WEBP, TIFF, MPO, JPEG2000...
    width: int
    height: int
    mode: str
    frames: int

    @property
    def name(self) -> str:
        return FORMAT_NAMES.get(self.format, self.format.lower())

    @property
    def decoded_bytes(self) -> int:
        return self.width * self.height * (_MODE_BYTES.get(self.mode, 4) + 3)


def _open(data: bytes) -> Image.Image:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(bytes(data)))


def _frames(img: Image.Image, limit: int) -> int:
    """Frames, from the header where the format declares them (PNG acTL, WebP, MPO index);
    GIF and TIFF are walked no further than limit + 1 (their IFDs/blocks, not pixels)."""
    if img.format in ("GIF", "TIFF"):
        n = 1
        try:
            while n <= limit:
                img.seek(n)
                n += 1
        except EOFError:
            pass
        img.seek(0)
        return n
    return int(getattr(img, "n_frames", 1) or 1)


def inspect(data: bytes, limits: ImageLimits = ImageLimits(), verify: bool = False) -> ImageHeader:
    """The header of an image within the limits, or ImageRefused. Decodes no pixels.

    `verify` also walks the file's structure (PNG chunk CRCs, TIFF/WebP/JPEG markers) without
    decoding pixels: a real header followed by something else (HTML, a script) is refused.
    """
    img = _checked(data, limits)
    header = _header(img, limits)
    img.close()
    if verify:
        try:
            with _open(data) as again:
                again.verify()
        except Exception as exc:  # noqa: BLE001 - any structural failure refuses the file
            raise ImageRefused("undecodable", "the file is not a well-formed image") from exc
    return header


def _header(img: Image.Image, limits: ImageLimits) -> ImageHeader:
    frames = _frames(img, limits.max_frames)
    return ImageHeader(img.format or "", img.width, img.height, img.mode, frames)


def _checked(data: bytes, limits: ImageLimits) -> Image.Image:
    if not data:
        raise ImageRefused("empty", "empty image")
    if len(data) > limits.max_bytes:
        raise ImageRefused(
            "too_many_bytes", f"{len(data)} bytes is over the {limits.max_bytes} byte limit"
        )
    from PIL import Image, UnidentifiedImageError

    try:
        img = _open(data)
    except Image.DecompressionBombError as exc:
        raise ImageRefused("too_many_pixels", "the header declares too many pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("undecodable", "not a readable image") from exc
    fmt = img.format or ""
    w, h = img.size
    if w * h > limits.max_pixels:
        raise ImageRefused(
            "too_many_pixels", f"{w}x{h} is over the {limits.max_pixels / 1e6:g} megapixel limit"
        )
    if fmt not in limits.formats:
        names = "/".join(sorted({FORMAT_NAMES.get(f, f.lower()) for f in limits.formats}))
        raise ImageRefused("unsupported_format", f"{fmt or 'unknown'} is not one of {names}")
    need = w * h * (_MODE_BYTES.get(img.mode, 4) + 3)
    if need > limits.max_decoded_bytes:
        raise ImageRefused(
            "too_large_decoded",
            f"{w}x{h} {img.mode} needs {need >> 20} MB decoded, over the "
            f"{limits.max_decoded_bytes >> 20} MB budget",
        )
    if min(w, h) < limits.min_side:
        raise ImageRefused("too_small", f"{w}x{h} is too small (min side {limits.min_side})")
    try:
        frames = _frames(img, limits.max_frames)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("undecodable", "not a readable image") from exc
    if frames > limits.max_frames and fmt != "MPO":  # MPO: a JPEG with a preview frame
        raise ImageRefused(
            "too_many_frames",
            f"{frames if frames <= limits.max_frames else 'too many'} "
            f"frames (animated or multi-page); {limits.max_frames} allowed",
        )
    return img


def open_image(data: bytes, limits: ImageLimits = ImageLimits()) -> tuple[Image.Image, ImageHeader]:
    """A Pillow image that passed every header check, pixels loaded (raises on truncation).

    For engines that need more than pixels (EXIF, JPEG tables): the caller owns the image.
    """
    img = _checked(data, limits)
    header = _header(img, limits)
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("undecodable", "truncated or corrupt image data") from exc
    return img, header


def decode_rgb(
    data: bytes, limits: ImageLimits = ImageLimits(), max_side: int | None = None
) -> tuple[np.ndarray, ImageHeader]:
    """Upright (EXIF applied) RGB uint8 pixels within the limits, at most `max_side`."""
    from PIL import ImageOps

    img, header = open_image(data, limits)
    try:
        img = ImageOps.exif_transpose(img)
        img = img.convert("RGB")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("undecodable", "the image cannot be converted") from exc
    import numpy as np

    rgb = np.asarray(img)
    if max_side and max(rgb.shape[:2]) > max_side:
        import cv2

        h, w = rgb.shape[:2]
        scale = max_side / max(h, w)
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return rgb, header


def decode_bgr(
    data: bytes, limits: ImageLimits = ImageLimits(), max_side: int | None = None
) -> tuple[np.ndarray, ImageHeader]:
    """As decode_rgb, in OpenCV's BGR channel order (contiguous)."""
    rgb, header = decode_rgb(data, limits, max_side)
    import numpy as np

    return np.ascontiguousarray(rgb[:, :, ::-1]), header
