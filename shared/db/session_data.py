"""The tables that hold a session's data row by row (`session_id`), in the order erasure
deletes them: one list for the erasure (shared/sessions/erasure.py) and for the grants that
let it run (shared/db/grants.py `ERASURE`)."""

from __future__ import annotations

ERASED_WITH_SESSION: tuple[str, ...] = (
    "artifacts",
    "checks",
    "otp_codes",
    "hosted_links",
    "hosted_progress",
    "face_templates",
    "document_uses",
    "frame_hashes",
    "challenges",
    "aml_hits",
    "aml_subjects",
    "session_network",  # risk: the keyed addresses the end user came from
    "risk_keys",  # risk: keyed values velocity counts
    "session_devices",  # risk: the keyed devices the hosted flow ran on
    "session_steps",  # risk: time per step and retakes in the hosted flow
    "case_notes",  # the console's notes on the case (their mentions go with them)
    "case_aml_dispositions",  # reviewers' reasons about the screening's matches
    "session_keys",  # last, crypto-shredding: leftover artifact ciphertext no longer opens
)
