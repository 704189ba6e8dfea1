"""Recognising the uploaded file's format from its first bytes (never from its name)."""

from __future__ import annotations

from enum import StrEnum


class Media(StrEnum):
    pdf = "pdf"
    jpeg = "jpeg"
    png = "png"
    webp = "webp"
    tiff = "tiff"


def sniff(data: bytes) -> Media | None:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return Media.jpeg
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Media.png
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Media.webp
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Media.tiff
    # PDF readers accept the header anywhere in the first KB
    if b"%PDF-" in data[:1024]:
        return Media.pdf
    return None
