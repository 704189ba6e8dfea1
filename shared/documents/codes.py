"""Stable warning and error codes of the `id_document` check (one line of meaning each).

Codes shared with API.md keep their API names; the rest are defined here and nowhere else.
"""

from __future__ import annotations

from shared.checks.result import Severity

CHECK_NAME = "id_document"

# --- input (status error) ---
INVALID_IMAGE = "INVALID_IMAGE"  # not a decodable JPEG/PNG/WebP/TIFF, or truncated
UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"  # decodable but not one of JPEG/PNG/WebP/TIFF
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"  # more than 10 MB, or more than 40 megapixels (bomb)
IMAGE_TOO_SMALL = "IMAGE_TOO_SMALL"  # too few pixels to hold a readable document
MULTI_FRAME_IMAGE = "MULTI_FRAME_IMAGE"  # animated or multi-page image (only one frame allowed)
INVALID_PARAMS = "INVALID_PARAMS"  # workflow step parameters do not validate
MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"  # a model file could not be found or loaded
INTERNAL_ERROR = "INTERNAL_ERROR"  # unexpected failure inside the engine

# --- quality (warnings) ---
IMAGE_BLURRY = "IMAGE_BLURRY"  # sharpness below the threshold
IMAGE_TOO_DARK = "IMAGE_TOO_DARK"  # mean brightness below the threshold
IMAGE_TOO_BRIGHT = "IMAGE_TOO_BRIGHT"  # overexposed image
GLARE_DETECTED = "GLARE_DETECTED"  # too large a share of saturated pixels on the document
LOW_RESOLUTION = "LOW_RESOLUTION"  # the document is too small in the frame to read reliably
DOCUMENT_NOT_FULLY_IN_FRAME = "DOCUMENT_NOT_FULLY_IN_FRAME"  # document edges touch the border
DOCUMENT_NOT_DETECTED = "DOCUMENT_NOT_DETECTED"  # no card/page outline found (full frame used)

# --- reading ---
MRZ_NOT_FOUND = "MRZ_NOT_FOUND"  # no machine-readable zone could be located or parsed
MRZ_CHECKSUM_FAILED = "MRZ_CHECKSUM_FAILED"  # at least one MRZ check digit does not verify
MRZ_REPAIRED = "MRZ_REPAIRED"  # OCR confusions were repaired, each proven by check digits
MRZ_AND_VIZ_MISMATCH = "MRZ_AND_VIZ_MISMATCH"  # printed fields differ from the MRZ
BARCODE_AND_FRONT_MISMATCH = "BARCODE_AND_FRONT_MISMATCH"  # PDF417 data differs from front
BARCODE_NOT_READ = "BARCODE_NOT_READ"  # a back side was given but no barcode could be read
NO_DOCUMENT_DATA = "NO_DOCUMENT_DATA"  # neither MRZ nor barcode nor visual fields were read

# --- rules ---
DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"  # the expiry date is before today
MINIMUM_AGE_NOT_MET = "MINIMUM_AGE_NOT_MET"  # holder younger than params.min_age
DOCUMENT_TYPE_NOT_ACCEPTED = "DOCUMENT_TYPE_NOT_ACCEPTED"  # type not in accepted_types
COUNTRY_NOT_ACCEPTED = "COUNTRY_NOT_ACCEPTED"  # issuing country not in accepted_countries
DOCUMENT_SIDES_MISMATCH = "DOCUMENT_SIDES_MISMATCH"  # front and back are not the same document
IN_BLOCKLIST = "IN_BLOCKLIST"  # the document number is on the tenant's blocklist
POSSIBLE_DUPLICATE_USER = "POSSIBLE_DUPLICATE_USER"  # document already used in another session
PORTRAIT_NOT_DETECTED = "PORTRAIT_NOT_DETECTED"  # no holder portrait found on the front
QR_CODE_FOUND = "QR_CODE_FOUND"  # a QR code was decoded (reported in data.qr_codes)

# --- visual fraud cues (evidence in data.forensics) ---
PHOTOCOPY_SUSPECTED = "PHOTOCOPY_SUSPECTED"  # no chroma variation, or a halftone screen
SCREEN_RECAPTURE_SUSPECTED = "SCREEN_RECAPTURE_SUSPECTED"  # colour moire of a screen's grid
PORTRAIT_SUBSTITUTION_SUSPECTED = "PORTRAIT_SUBSTITUTION_SUSPECTED"  # noise, edges or grid differ
FONT_INCONSISTENT = "FONT_INCONSISTENT"  # one printed value's stroke differs from the others

SEVERITY: dict[str, Severity] = {
    IMAGE_BLURRY: Severity.warning,
    IMAGE_TOO_DARK: Severity.warning,
    IMAGE_TOO_BRIGHT: Severity.warning,
    GLARE_DETECTED: Severity.warning,
    LOW_RESOLUTION: Severity.warning,
    DOCUMENT_NOT_FULLY_IN_FRAME: Severity.warning,
    DOCUMENT_NOT_DETECTED: Severity.info,
    MRZ_NOT_FOUND: Severity.warning,
    MRZ_CHECKSUM_FAILED: Severity.error,
    MRZ_REPAIRED: Severity.info,
    MRZ_AND_VIZ_MISMATCH: Severity.error,
    BARCODE_AND_FRONT_MISMATCH: Severity.error,
    BARCODE_NOT_READ: Severity.warning,
    NO_DOCUMENT_DATA: Severity.error,
    DOCUMENT_EXPIRED: Severity.error,
    MINIMUM_AGE_NOT_MET: Severity.error,
    DOCUMENT_TYPE_NOT_ACCEPTED: Severity.error,
    COUNTRY_NOT_ACCEPTED: Severity.error,
    DOCUMENT_SIDES_MISMATCH: Severity.error,
    IN_BLOCKLIST: Severity.error,
    POSSIBLE_DUPLICATE_USER: Severity.warning,
    PORTRAIT_NOT_DETECTED: Severity.warning,
    QR_CODE_FOUND: Severity.info,
    PHOTOCOPY_SUSPECTED: Severity.warning,
    SCREEN_RECAPTURE_SUSPECTED: Severity.warning,
    PORTRAIT_SUBSTITUTION_SUSPECTED: Severity.warning,
    FONT_INCONSISTENT: Severity.warning,
}

# Codes that make the check fail (the workflow's rules may still override the decision).
FAILING: frozenset[str] = frozenset(
    {
        MRZ_CHECKSUM_FAILED,
        MRZ_AND_VIZ_MISMATCH,
        BARCODE_AND_FRONT_MISMATCH,
        NO_DOCUMENT_DATA,
        DOCUMENT_EXPIRED,
        MINIMUM_AGE_NOT_MET,
        DOCUMENT_TYPE_NOT_ACCEPTED,
        COUNTRY_NOT_ACCEPTED,
        DOCUMENT_SIDES_MISMATCH,
        IN_BLOCKLIST,
    }
)
