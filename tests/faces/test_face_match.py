import pytest

from shared.faces.check import FaceMatchParams, run_face_match
from tests.faces import generator as g


@pytest.mark.parametrize(
    "a,b", [("obama", "obama2"), ("obama", "obama3"), ("obama2", "obama_partial_face2")]
)
def test_same_person_different_photos_pass(photo, a, b):
    r = run_face_match(photo(a), photo(b))
    assert r.status == "passed", r.warnings
    assert r.score == r.data["similarity"] >= 70
    assert [m.name for m in r.model] == ["yunet-face-detection", "sface-face-recognition"]
    assert all(len(m.sha256) == 64 for m in r.model)
    assert len(r.data["faces"]) == 2


@pytest.mark.parametrize(
    "a,b", [("obama", "biden"), ("obama3", "astronaut"), ("biden", "astronaut")]
)
def test_different_people_fail_with_face_mismatch(photo, a, b):
    r = run_face_match(photo(a), photo(b))
    assert r.status == "failed"
    assert r.warning_codes()[0] == "FACE_MISMATCH"
    assert r.score < 50


@pytest.mark.parametrize("variant", ["print_scan", "halftone", "grayscale", "passport_size"])
def test_document_style_portrait_still_matches_the_selfie(img, photo, variant):
    portrait = g.jpeg(g.DOC_VARIANTS[variant](img("obama")))
    r = run_face_match(photo("obama2"), portrait)
    assert r.score >= 50, (variant, r.data["cosine"])


def test_thresholds_are_step_parameters(photo):
    # a strict review threshold turns a pass into a review
    r = run_face_match(photo("obama"), photo("obama2"), FaceMatchParams(review_threshold=100.0))
    assert r.status == "warning"
    assert "FACE_MATCH_UNCERTAIN" in r.warning_codes()
    with pytest.raises(ValueError):
        FaceMatchParams(unknown=1)
