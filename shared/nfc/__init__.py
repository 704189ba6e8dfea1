"""NFC chip verification (ICAO 9303 ePassports / eID): parsing, Passive and Active
Authentication, trust store. Entry point: `shared.nfc.check.run_nfc`.

Modules: `tlv` (BER-TLV), `mrz` (DG1 field splitter), `lds` (EF.COM, DG1, DG11, DG12, DG14,
DG15), `dg2` (face record and image), `sod` (EF.SOD), `signatures` / `cms_verify` (crypto),
`pa` (Passive Authentication), `aa` (Active Authentication), `trust` (trust store port and
its Postgres implementation), `masterlist`, `countries`, `codes` (warning codes), `check`
(the check).
"""

from shared.nfc.check import AaResponse, NfcContext, NfcParams, dg2_face_jpeg, run_nfc, warm_up
from shared.nfc.trust import MemoryTrustStore, PgTrustStore, TrustStore

__all__ = [
    "AaResponse",
    "MemoryTrustStore",
    "PgTrustStore",
    "NfcContext",
    "NfcParams",
    "TrustStore",
    "dg2_face_jpeg",
    "run_nfc",
    "warm_up",
]
