"""Sandbox magic inputs select deterministic outcomes (docs/sandbox.md)."""

from __future__ import annotations

from shared.checks.sandbox import magic_for, simulated
from shared.tenancy.modes import mode_of
from shared.tenancy.secrets import API_KEY_PREFIX, new_secret


def test_magic_selection():
    assert magic_for("id_document", None) is None
    assert magic_for("id_document", "my own reference") is None
    assert magic_for("face_match", "sandbox:review") == "review"
    per_check = "sandbox:id_document=declined:DOCUMENT_EXPIRED, face_match=error"
    assert magic_for("id_document", per_check) == "declined:DOCUMENT_EXPIRED"
    assert magic_for("face_match", per_check) == "error"
    assert magic_for("aml", per_check) == "approved"
    assert magic_for("email", "sandbox:approved", "declined+email_disposable@x.example") == (
        "declined:EMAIL_DISPOSABLE"
    )
    assert magic_for("email", None, "jane@x.example") is None


def test_simulated_results():
    r = simulated("id_document", "declined:DOCUMENT_EXPIRED")
    assert (r.status.value, r.score, r.warning_codes()) == ("failed", 0.0, ["DOCUMENT_EXPIRED"])
    assert simulated("face_match", None).status.value == "passed"
    assert simulated("risk", "review").score == 60.0
    assert simulated("face_match", "review").warning_codes() == []
    for bad in ("maybe", "declined:EMAIL_DISPOSABLE", "declined:lower"):
        r = simulated("id_document", bad)
        assert r.status.value == "error" and r.warning_codes() == ["SANDBOX_INVALID_MAGIC"]


def test_modes_follow_the_prefix_and_live_secrets_never_look_like_test_ones():
    assert mode_of("idm_test_abc") == "test" and mode_of("ist_test_abc") == "test"
    assert mode_of("idm_abc") == "live" and mode_of("ist_abc") == "live"
    for _ in range(200):
        token, _, _ = new_secret(API_KEY_PREFIX)
        assert mode_of(token) == "live"
    assert mode_of(new_secret("idm_test_")[0]) == "test"


def test_magic_file_names():
    from shared.checks.sandbox import file_magic, magic_for

    assert file_magic("declined+document_expired.jpg") == "declined:DOCUMENT_EXPIRED"
    assert file_magic("C:\\scans\\Review.png") == "review"
    assert file_magic("approved") == "approved"
    for plain in ("front.jpg", "declined+.png", "declinedX.png", "", None, "x/approved+a-b.png"):
        assert file_magic(plain) is None, plain
    # an upload's magic wins over vendor_data
    assert magic_for("id_document", "sandbox:approved", None, "declined") == "declined"
