"""A face function's warm-up loads exactly what its check then uses: the first request
creates no model session (it would pay the load), and no function loads models it never
runs (that only delays its readiness)."""

import pytest

from shared.faces import models
from shared.faces.check import (
    run_age_estimation,
    run_face_match,
    run_face_search,
    run_passive_liveness,
)
from tests.faces import generator as g


class _NoMatches:
    def search_templates(self, embedding):
        return []

    def search_blocklist(self, embedding):
        return []


RUNS = {
    "passive_liveness": lambda: run_passive_liveness(g.load_bytes("obama")),
    "face_match": lambda: run_face_match(g.load_bytes("obama"), g.load_bytes("obama2")),
    "age_estimation": lambda: run_age_estimation(g.load_bytes("obama")),
    "blocklist": lambda: run_face_search(g.load_bytes("obama"), ctx=_NoMatches()),
    # the chip's portrait is compared by the face-match code
    "nfc": lambda: run_face_match(g.load_bytes("obama"), g.load_bytes("obama3")),
}


@pytest.fixture
def fresh_models():
    models.reset()
    yield
    models.reset()


@pytest.mark.parametrize("check", sorted(RUNS))
def test_the_check_needs_no_model_its_warm_up_did_not_load(check, fresh_models):
    models.warm_up_for(check)()
    loaded = {k for k, v in models._sessions.items() if v is not None}
    # the age model comes with dlib's landmark predictor (its chips are cut the same way)
    assert loaded - {"landmarks5"} == set(models.CHECK_MODELS[check])
    result = RUNS[check]()
    assert result.status.value in ("passed", "failed", "warning"), result.model_dump()
    used = {k for k, v in models._sessions.items() if v is not None}
    assert used == loaded, f"{check} loaded {used - loaded} on its first request"


def test_every_face_function_has_a_warm_up_and_unknown_ones_are_refused():
    assert set(models.CHECK_MODELS) == set(RUNS) | {"active_liveness"}
    with pytest.raises(KeyError):
        models.warm_up_for("email")
