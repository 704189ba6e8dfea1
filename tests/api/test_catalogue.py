"""The code catalogue: complete, categorised, and the docs page is generated from it."""

from __future__ import annotations

from pathlib import Path

from shared.checks.catalogue import CATEGORIES, catalogue, category_of, codes_of, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_page_is_the_generated_catalogue():
    page = (ROOT / "docs" / "codes.md").read_text()
    assert page == render_markdown(), "regenerate: idmesh codes --markdown > docs/codes.md"


def test_every_code_has_a_category_a_meaning_and_a_check():
    items = catalogue()
    assert len(items) > 100
    for c in items:
        assert c.category in CATEGORIES
        assert c.checks, c.code


def test_engine_codes_are_in_the_catalogue_with_the_right_category():
    assert "MRZ_REPAIRED" in codes_of("id_document")
    assert "EXPECTED_NAME_MISMATCH" in codes_of("id_document")
    assert "EXPECTED_DOB_MISMATCH" in codes_of("nfc")
    assert "FACE_MISMATCH" in codes_of("face_match")
    assert "AML_POSSIBLE_MATCH" in codes_of("aml")
    assert "EMAIL_DISPOSABLE" in codes_of("email") and "EMAIL_DISPOSABLE" not in codes_of("phone")
    assert "INVALID_STEP_PARAMS" in codes_of("blocklist")
    # unreadable captures are retakes, never risk
    for code in ("MRZ_CHECKSUM_FAILED", "IMAGE_BLURRY", "NO_FACE_DETECTED", "POA_UNREADABLE"):
        assert category_of(code) == "retake", code
    assert category_of("LIVENESS_ATTACK_SUSPECTED") == "risk"
    assert category_of("EXPECTED_NAME_MISMATCH") == "data_mismatch"
    assert category_of("DOCUMENT_EXPIRED") == "policy"
    assert category_of("AML_NO_LISTS_LOADED") == "system"
