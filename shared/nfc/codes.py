"""Stable warning codes of the `nfc` check, one line of meaning each.

Codes are part of the API contract: never rename one, add new ones instead.
"""

from __future__ import annotations

# Input problems (the check could not run, or one file could not be read).
NFC_MALFORMED_FILE = "NFC_MALFORMED_FILE"  # an EF is not valid BER-TLV / ASN.1 or has a wrong tag
NFC_TRUNCATED_FILE = "NFC_TRUNCATED_FILE"  # an EF ends before the length its TLV announces
NFC_SOD_MISSING = "NFC_SOD_MISSING"  # no EF.SOD was received: nothing can be authenticated
NFC_DG1_MISSING = "NFC_DG1_MISSING"  # no DG1 (MRZ) was received
NFC_DG2_MISSING = "NFC_DG2_MISSING"  # no DG2 (portrait) although the step requires it
NFC_UNKNOWN_FILE = "NFC_UNKNOWN_FILE"  # a file name that is not an LDS elementary file (ignored)

# Passive Authentication.
NFC_DSC_MISSING = "NFC_DSC_MISSING"  # the SOD carries no Document Signer certificate
NFC_SOD_SIGNATURE_INVALID = "NFC_SOD_SIGNATURE_INVALID"  # the SOD signature does not verify
NFC_SOD_CONTENT_TYPE_INVALID = "NFC_SOD_CONTENT_TYPE_INVALID"  # signed content-type is wrong
NFC_SOD_DIGEST_MISMATCH = "NFC_SOD_DIGEST_MISMATCH"  # signed message-digest != hash of content
NFC_UNSUPPORTED_ALGORITHM = "NFC_UNSUPPORTED_ALGORITHM"  # a signature/hash algorithm not handled
NFC_DG_HASH_MISMATCH = "NFC_DG_HASH_MISMATCH"  # a data group's hash differs from the SOD's
NFC_DG_NOT_IN_SOD = "NFC_DG_NOT_IN_SOD"  # a data group was received that the SOD does not cover
NFC_CSCA_UNTRUSTED = "NFC_CSCA_UNTRUSTED"  # the DSC does not chain to a CSCA of the trust store
NFC_TRUST_STORE_EMPTY = "NFC_TRUST_STORE_EMPTY"  # no trust store / no CSCA: chain not checked
NFC_CSCA_EXPIRED = "NFC_CSCA_EXPIRED"  # the CSCA was not valid when the DSC was issued / today
NFC_DSC_EXPIRED = "NFC_DSC_EXPIRED"  # the DSC is outside its validity period today
NFC_DSC_KEY_USAGE_INVALID = (
    "NFC_DSC_KEY_USAGE_INVALID"  # DSC lacks digitalSignature / CSCA not a CA
)
NFC_DSC_REVOKED = "NFC_DSC_REVOKED"  # the DSC's serial is on a valid CRL of its CSCA
NFC_CRL_UNAVAILABLE = "NFC_CRL_UNAVAILABLE"  # no CRL of the CSCA in the trust store
NFC_CRL_OUTDATED = "NFC_CRL_OUTDATED"  # the newest CRL of the CSCA is past its nextUpdate
NFC_COUNTRY_MISMATCH = "NFC_COUNTRY_MISMATCH"  # DG1 issuing state != DSC / CSCA country

# Active Authentication.
NFC_AA_MISSING = "NFC_AA_MISSING"  # the chip has an AA key (DG15) but no AA response was sent
NFC_AA_FAILED = "NFC_AA_FAILED"  # the chip's AA signature does not verify with the DG15 key
NFC_AA_NONCE_REPLAYED = "NFC_AA_NONCE_REPLAYED"  # the nonce was not issued or was already used
NFC_AA_NOT_SUPPORTED = "NFC_AA_NOT_SUPPORTED"  # no DG15: the chip cannot do AA (info)
NFC_CHIP_MAY_BE_CLONED = "NFC_CHIP_MAY_BE_CLONED"  # SOD covers DG15 but AA missing or failed

# Cross-checks.
NFC_MRZ_MISMATCH = "NFC_MRZ_MISMATCH"  # DG1 MRZ differs from the MRZ read on the document photo
NFC_MRZ_CHECK_DIGIT_INVALID = "NFC_MRZ_CHECK_DIGIT_INVALID"  # a DG1 MRZ check digit is wrong
NFC_DOCUMENT_EXPIRED = "NFC_DOCUMENT_EXPIRED"  # DG1 expiry date is in the past
MINIMUM_AGE_NOT_MET = "MINIMUM_AGE_NOT_MET"  # holder younger than the step's minimum age
NFC_FACE_IMAGE_UNDECODABLE = "NFC_FACE_IMAGE_UNDECODABLE"  # DG2 image cannot be decoded
NFC_FACE_MISMATCH = "NFC_FACE_MISMATCH"  # the face engine says DG2 face != selfie
