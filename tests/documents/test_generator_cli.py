"""The document generator's command line: help, a chosen portrait, a matching selfie."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.faces.check import FaceMatchParams, run_face_match
from tests.documents import generator

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"


def test_help_is_help_not_an_output_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        generator.main(["--help"])
    assert exc.value.code == 0
    assert "--portrait" in capsys.readouterr().out
    assert not (tmp_path / "--help").exists()


def test_portrait_and_selfie_are_the_same_face(tmp_path):
    try:
        assert (
            generator.main([str(tmp_path), "1", "--portrait", str(FACES / "obama.jpg"), "--selfie"])
            == 0
        )
    finally:
        generator.use_portrait(None)
    stem = json.loads((tmp_path / "truth.json").read_text())[0]["stem"]
    front = (tmp_path / f"{stem}_front.jpg").read_bytes()
    selfie = (tmp_path / f"{stem}_selfie.jpg").read_bytes()
    same = run_face_match(selfie, front, FaceMatchParams())
    assert same.status.value == "passed" and same.score >= 70, same.warnings
    other = run_face_match((FACES / "biden.jpg").read_bytes(), front, FaceMatchParams())
    assert other.score < same.score
