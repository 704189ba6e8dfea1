"""DG2: the ISO/IEC 19794-5 face record inside the ICAO biometric templates.

DG2 (75) → biometric information group template (7F61) → biometric information template
(7F60) → biometric header (A1) + biometric data block (5F2E, or 7F2E) holding the face record:
"FAC\\0", version, record length, number of faces, then per face a 20-byte facial information
block, 8 bytes per feature point, a 12-byte image information block and the image (JPEG or
JPEG 2000).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

from shared.nfc import tlv
from shared.nfc.errors import MalformedFile, NfcError, TruncatedFile

IMAGE_TYPES = {0: "jpeg", 1: "jpeg2000"}
GENDERS = {0: "unspecified", 1: "male", 2: "female", 0xFF: "unknown"}
NFC_FACE_IMAGE_UNDECODABLE = "NFC_FACE_IMAGE_UNDECODABLE"
MAX_PIXELS = 16_000_000  # refuse decompression bombs; ICAO portraits are far smaller


def _guard_limits():
    from shared.imaging.guard import ImageLimits

    return ImageLimits(
        max_bytes=2 * 1024 * 1024, max_pixels=MAX_PIXELS, formats=frozenset({"JPEG", "JPEG2000"})
    )


@dataclass
class FaceImage:
    image_type: str  # jpeg / jpeg2000 (from the record, checked against the magic bytes)
    width: int
    height: int
    gender: str
    feature_points: int
    data: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_type": self.image_type,
            "width": self.width,
            "height": self.height,
            "gender": self.gender,
            "feature_points": self.feature_points,
            "image_bytes": len(self.data),
        }


def _sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or data[:4] == b"\xff\x4f\xff\x51":
        return "jpeg2000"
    return None


def _parse_face_record(bdb: bytes) -> list[FaceImage]:
    if len(bdb) < 14:
        raise TruncatedFile("face record header shorter than 14 bytes")
    if bdb[:4] != b"FAC\x00":
        raise MalformedFile("biometric data block is not an ISO 19794-5 face record (FAC)")
    record_length, faces = struct.unpack(">IH", bdb[8:14])
    if record_length > len(bdb):
        raise TruncatedFile(f"face record announces {record_length} bytes, {len(bdb)} present")
    pos = 14
    out: list[FaceImage] = []
    for _ in range(faces):
        if pos + 20 > len(bdb):
            raise TruncatedFile("facial information block truncated")
        block_length, n_points = struct.unpack(">IH", bdb[pos : pos + 6])
        gender = GENDERS.get(bdb[pos + 6], "unspecified")
        end = pos + block_length
        if end > len(bdb) or block_length < 32 + 8 * n_points:
            raise TruncatedFile("facial record block truncated")
        info = pos + 20 + 8 * n_points
        image_data_type = bdb[info + 1]
        width, height = struct.unpack(">HH", bdb[info + 2 : info + 6])
        data = bdb[info + 12 : end]
        declared = IMAGE_TYPES.get(image_data_type)
        sniffed = _sniff(data)
        if sniffed is None:
            raise MalformedFile("face image is neither JPEG nor JPEG 2000")
        if declared is not None and declared != sniffed:
            raise MalformedFile(f"face record says {declared} but the image is {sniffed}")
        out.append(FaceImage(sniffed, width, height, gender, n_points, data))
        pos = end
    if not out:
        raise MalformedFile("face record holds no face")
    return out


def parse_dg2(data: bytes) -> list[FaceImage]:
    outer = tlv.parse_file(data, 0x75)
    group = outer.require(0x7F61)
    faces: list[FaceImage] = []
    for bit in group.children():
        if bit.tag != 0x7F60:
            continue
        bdb = bit.find(0x5F2E) or bit.find(0x7F2E)
        if bdb is None:
            raise MalformedFile("biometric information template without a data block")
        faces.extend(_parse_face_record(bdb.value))
    if not faces:
        raise MalformedFile("DG2 holds no biometric information template")
    return faces


def decode_image(face: FaceImage):
    """Decode the face image to an RGB Pillow image (OpenCV as a fallback decoder).

    The shared image guard checks the header first (JPEG or JPEG 2000, one frame, a chip
    portrait's size at most), so nothing implausible is ever decoded.
    """
    from PIL import Image

    from shared.imaging.guard import ImageRefused, inspect, open_image

    try:
        inspect(face.data, _guard_limits())
    except ImageRefused as exc:
        raise NfcError(NFC_FACE_IMAGE_UNDECODABLE, f"face image: {exc.message}") from exc
    try:
        img, _ = open_image(face.data, _guard_limits())
        return img.convert("RGB")
    except Exception as pil_exc:  # noqa: BLE001 - any decoder failure means undecodable
        import cv2
        import numpy as np

        arr = cv2.imdecode(np.frombuffer(face.data, np.uint8), cv2.IMREAD_COLOR)
        if arr is None:
            raise NfcError(NFC_FACE_IMAGE_UNDECODABLE, f"face image: {pil_exc}") from pil_exc
        return Image.fromarray(cv2.cvtColor(arr, cv2.COLOR_BGR2RGB))


def face_jpeg(dg2: bytes, quality: int = 95) -> bytes:
    """The first DG2 face as JPEG bytes (JPEG passed through, JPEG 2000 re-encoded)."""
    face = parse_dg2(dg2)[0]
    if face.image_type == "jpeg":
        decode_image(face)  # proves it decodes
        return face.data
    buf = io.BytesIO()
    decode_image(face).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
