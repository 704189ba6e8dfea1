"""What an uploaded file really is, from its first bytes (never the declared type alone)."""

from __future__ import annotations


def sniff(data: bytes) -> str | None:
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return "video/mp4" if head[8:12] != b"qt  " else "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"\x00\x00\x00\x0cjP  ") or head.startswith(b"\xff\x4f\xff\x51"):
        return "image/jp2"
    return None


IMAGES = {"image/jpeg", "image/png", "image/webp", "image/tiff"}
VIDEOS = {"video/mp4", "video/quicktime", "video/webm"}

# kind -> (accepted sniffed types or None for any binary, may repeat)
ARTIFACT_KINDS: dict[str, tuple[set[str] | None, bool]] = {
    "document_front": (IMAGES, False),
    "document_back": (IMAGES, False),
    "selfie": (IMAGES, False),
    "liveness_frames": (IMAGES, True),
    "liveness_video": (VIDEOS, False),
    "address_document": (IMAGES | {"application/pdf"}, False),
    "nfc_com": (None, False),
    "nfc_sod": (None, False),
    **{f"nfc_dg{i}": (None, False) for i in range(1, 17)},
    "nfc_aa_signature": (None, False),
}
