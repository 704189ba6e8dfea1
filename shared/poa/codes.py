"""Stable warning codes of the proof_of_address check (one line of meaning each)."""

from __future__ import annotations

CHECK_NAME = "proof_of_address"

# input refused (status error)
POA_UNSUPPORTED_FORMAT = "POA_UNSUPPORTED_FORMAT"  # not a PDF/JPEG/PNG/WebP/TIFF
POA_FILE_TOO_LARGE = "POA_FILE_TOO_LARGE"  # over the byte limit (10 MB by default)
POA_TOO_MANY_PAGES = "POA_TOO_MANY_PAGES"  # PDF with more pages than allowed (10)
POA_ENCRYPTED = "POA_ENCRYPTED"  # encrypted / password-protected PDF
POA_HOSTILE_PDF = "POA_HOSTILE_PDF"  # JavaScript, launch actions, bombs, oversized objects
POA_CORRUPT_FILE = "POA_CORRUPT_FILE"  # the file cannot be parsed or decoded
POA_IMAGE_TOO_LARGE = "POA_IMAGE_TOO_LARGE"  # image dimensions beyond the pixel limit
POA_UNREADABLE = "POA_UNREADABLE"  # no text could be read (blank, too blurry, not a document)
POA_INVALID_PARAMS = "POA_INVALID_PARAMS"  # workflow parameters failed validation
POA_MODEL_UNAVAILABLE = "POA_MODEL_UNAVAILABLE"  # the OCR models could not be loaded

# rule outcomes
POA_DOCUMENT_TOO_OLD = "POA_DOCUMENT_TOO_OLD"  # issue date older than the max age for its type
POA_DATE_IN_FUTURE = "POA_DATE_IN_FUTURE"  # issue date after today
POA_DATE_NOT_FOUND = "POA_DATE_NOT_FOUND"  # no issue date could be found
POA_NAME_MISMATCH = "POA_NAME_MISMATCH"  # holder name differs from the expected name
POA_NAME_NOT_FOUND = "POA_NAME_NOT_FOUND"  # no holder name could be found
POA_ADDRESS_MISMATCH = "POA_ADDRESS_MISMATCH"  # address differs from the declared address
POA_ADDRESS_NOT_FOUND = "POA_ADDRESS_NOT_FOUND"  # no postal address could be found
POA_UNSUPPORTED_TYPE = "POA_UNSUPPORTED_TYPE"  # document type not accepted by the workflow
POA_ISSUER_UNKNOWN = "POA_ISSUER_UNKNOWN"  # issuer not in the known-issuer list
POA_SUSPECTED_MANIPULATION = "POA_SUSPECTED_MANIPULATION"  # tamper signals above threshold
POA_LOW_OCR_CONFIDENCE = "POA_LOW_OCR_CONFIDENCE"  # text read by OCR with low confidence
