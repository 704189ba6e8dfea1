"""docs/security.md carries the grants matrix generated from shared/db/grants.py."""

from __future__ import annotations

from pathlib import Path

from shared.db.grants import DOC_BEGIN, DOC_END, markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def test_the_documented_matrix_is_the_matrix():
    text = DOC.read_text()
    assert DOC_BEGIN in text and DOC_END in text, "docs/security.md lost its grants matrix"
    documented = text[text.index(DOC_BEGIN) : text.index(DOC_END) + len(DOC_END)]
    assert documented == markdown(), (
        "docs/security.md's grants matrix differs from shared/db/grants.py: regenerate it "
        "with `python -m shared.db.grants`"
    )
