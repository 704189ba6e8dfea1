"""The hosted flow's steps, in order, derived from the session's workflow definition."""

from __future__ import annotations

from typing import Any, Literal

Step = Literal[
    "consent",
    "document",
    "document_front",
    "document_back",
    "selfie",
    "liveness",
    "email",
    "phone",
    "address",
]
FACE_CHECKS = {"face_match", "passive_liveness", "age_estimation", "active_liveness"}
# Document types the user can choose and whether they have a back side to capture.
DOCUMENT_TYPES: dict[str, bool] = {"passport": False, "id_card": True, "driving_licence": True}
# Artifact kind uploaded by each capture step.
CAPTURE_KINDS: dict[str, str] = {
    "document_front": "document_front",
    "document_back": "document_back",
    "selfie": "selfie",
    "address": "address_document",
}


def plan(definition: dict[str, Any], document_type: str | None = None) -> list[Step]:
    """Every step the end user goes through for this workflow (consent first)."""
    checks = {s.get("check") for s in definition.get("steps", [])}
    out: list[Step] = ["consent"]
    if "id_document" in checks:
        out += ["document", "document_front"]
        if document_type is None or DOCUMENT_TYPES.get(document_type, True):
            out.append("document_back")
    if checks & FACE_CHECKS:
        out.append("selfie")
    if "active_liveness" in checks:
        out.append("liveness")
    if "email" in checks:
        out.append("email")
    if "phone" in checks:
        out.append("phone")
    if "proof_of_address" in checks:
        out.append("address")
    return out


def document_params(definition: dict[str, Any]) -> dict[str, Any]:
    for s in definition.get("steps", []):
        if s.get("check") == "id_document":
            return dict(s.get("params") or {})
    return {}


def next_step(steps: list[Step], done: set[str]) -> Step | None:
    return next((s for s in steps if s not in done), None)
