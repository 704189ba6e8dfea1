"""`idmesh check id_document FRONT [BACK] --json` prints the API result JSON."""

from __future__ import annotations

import json

from shared.cli.main import main
from tests.documents.generator import make_sample


def test_cli_reads_a_passport(tmp_path, capsys):
    s = make_sample("td3", "clean", 3001)
    front = tmp_path / "front.jpg"
    front.write_bytes(s.front)
    code = main(["check", "id_document", str(front), "--json", "--params", '{"min_age": 18}'])
    out = json.loads(capsys.readouterr().out)
    assert out["check"] == "id_document"
    assert set(out) == {"check", "status", "score", "warnings", "data", "duration_ms", "model"}
    assert out["data"]["mrz"]["lines"] == s.truth["mrz"]
    # A clean adult passport passes: exit 0 (not "whatever the status was").
    assert out["status"] == "passed" and code == 0, out["warnings"]
    # The same passport under a rule it breaks fails: exit 1.
    code = main(["check", "id_document", str(front), "--json", "--params", '{"min_age": 120}'])
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "failed" and code == 1
    assert [w["code"] for w in out["warnings"]] == ["MINIMUM_AGE_NOT_MET"]


def test_cli_bad_params_and_missing_file(tmp_path, capsys):
    f = tmp_path / "x.jpg"
    f.write_bytes(b"not an image")
    assert main(["check", "id_document", str(f), "--json", "--params", '{"nope": 1}']) == 2
    assert json.loads(capsys.readouterr().out)["warnings"][0]["code"] == "INVALID_PARAMS"
    assert main(["check", "id_document", str(tmp_path / "missing.jpg"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["warnings"][0]["code"] == "INVALID_IMAGE"
    assert main(["check", "id_document", str(f)]) == 2
    assert "INVALID_IMAGE" in capsys.readouterr().out
