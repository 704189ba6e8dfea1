"""Decompression bombs in every format the engines meet, made here (no files shipped).

`png_bomb()` is a real one: a 1-bit 30000x30000 PNG whose pixel data is all there (about
110 KB compressed; 2.7 GB once decoded to BGR). The others are small valid files whose
headers are rewritten to declare a huge canvas: what a guard must refuse from the header.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

SIDE = 30_000


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def png_bomb(side: int = SIDE) -> bytes:
    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte + 1 bit per pixel
    comp = zlib.compressobj(9)
    parts = [comp.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(comp.compress(row * (side % 1000)))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def _small(fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 130, 140)).save(buf, format=fmt, **kw)
    return buf.getvalue()


def gif_bomb(side: int = SIDE) -> bytes:
    b = bytearray(_small("GIF"))
    b[6:10] = struct.pack("<HH", side, side)  # logical screen
    table = 3 * (2 ** ((b[10] & 7) + 1)) if b[10] & 0x80 else 0
    at = b.index(b"\x2c", 13 + table)  # image descriptor (after any extensions)
    b[at + 5 : at + 9] = struct.pack("<HH", side, side)
    return bytes(b)


def jpeg_bomb(side: int = SIDE) -> bytes:
    b = bytearray(_small("JPEG"))
    at = b.index(b"\xff\xc0")  # SOF0: length(2) precision(1) height(2) width(2)
    b[at + 5 : at + 9] = struct.pack(">HH", side, side)
    return bytes(b)


def tiff_bomb(side: int = SIDE) -> bytes:
    b = bytearray(_small("TIFF"))
    (ifd,) = struct.unpack("<I", b[4:8])
    (n,) = struct.unpack("<H", b[ifd : ifd + 2])
    for i in range(n):
        e = ifd + 2 + 12 * i
        tag, typ = struct.unpack("<HH", b[e : e + 4])
        if tag in (256, 257):
            if typ == 3:
                b[e + 8 : e + 10] = struct.pack("<H", side)
            else:
                b[e + 8 : e + 12] = struct.pack("<I", side)
    return bytes(b)


def webp_bomb(side: int = 16_383) -> bytes:
    """VP8L (lossless) headers hold 14-bit sizes: 16383x16383 is the largest (268 Mpx)."""
    b = bytearray(_small("WEBP", lossless=True))
    at = b.index(b"VP8L") + 8
    assert b[at] == 0x2F
    (bits,) = struct.unpack("<I", b[at + 1 : at + 5])
    bits = (bits & ~((1 << 28) - 1)) | (side - 1) | ((side - 1) << 14)
    b[at + 1 : at + 5] = struct.pack("<I", bits)
    return bytes(b)


def png_then_html() -> bytes:
    return b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>"


def png_header_then_html() -> bytes:
    """A real IHDR, then HTML where the pixel data should be."""
    ihdr = struct.pack(">IIBBBBB", 400, 300, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + b"<html><body>hi</body></html>"


BOMBS = {
    "png": png_bomb,
    "gif": gif_bomb,
    "jpeg": jpeg_bomb,
    "tiff": tiff_bomb,
    "webp": webp_bomb,
}
