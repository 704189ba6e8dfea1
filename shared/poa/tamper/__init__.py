"""Tamper signals: each one a code, a weight (0..1) and the evidence that raised it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# signal codes (reported in data.tamper.signals, not as warnings)
PDF_INCREMENTAL_UPDATE = "PDF_INCREMENTAL_UPDATE"  # page content changed after creation
PDF_METADATA_UPDATE = "PDF_METADATA_UPDATE"  # later revision touching metadata only
PDF_EDITOR_SOFTWARE = "PDF_EDITOR_SOFTWARE"  # producer/creator/XMP names an editing tool
PDF_MODIFIED_BEFORE_CREATED = "PDF_MODIFIED_BEFORE_CREATED"  # ModDate earlier than CreationDate
PDF_FONT_ANOMALY = "PDF_FONT_ANOMALY"  # a font used only on the lines that matter
PDF_OVERLAY_BOX = "PDF_OVERLAY_BOX"  # an opaque light box painted over text
PDF_IMAGE_OVER_TEXT = "PDF_IMAGE_OVER_TEXT"  # an image painted over text
PDF_HIDDEN_TEXT = "PDF_HIDDEN_TEXT"  # text in the text layer that the rendered page hides
TEXT_RENDER_MISMATCH = "TEXT_RENDER_MISMATCH"  # OCR of the page disagrees with the text layer
IMAGE_EDITOR_SOFTWARE = "IMAGE_EDITOR_SOFTWARE"  # EXIF/XMP names an image editor
IMAGE_DOUBLE_JPEG = "IMAGE_DOUBLE_JPEG"  # the JPEG was compressed twice (saved after editing)


@dataclass
class Signal:
    code: str
    weight: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "weight": round(self.weight, 3),
            "message": self.message,
            "evidence": self.evidence,
        }


def combine(signals: list[Signal]) -> float:
    """Independent-evidence combination: 1 - prod(1 - w)."""
    p = 1.0
    for s in signals:
        p *= 1.0 - max(0.0, min(1.0, s.weight))
    return round(1.0 - p, 3)
