"""The small fictitious list shipped for trying the aml step, and the hint when no list is
loaded."""

import json
from pathlib import Path

from shared.cli.main import main


def _clear(pg) -> None:
    from shared.aml.screener import _SCREENERS

    with pg.admin() as con:
        con.execute("DELETE FROM aml_current_versions")
        con.execute("DELETE FROM aml_list_versions")
    _SCREENERS.clear()


def test_no_list_says_how_to_load_one_then_the_sample_list_screens(
    tmp_path: Path, monkeypatch, capsys, pg
):
    _clear(pg)
    monkeypatch.setenv("IDMESH_DATA_DIR", str(pg.data_dir))
    assert main(["check", "aml", "--name", "Viktor Samplenko", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["warnings"][0]["code"] == "AML_NO_LISTS_LOADED"
    assert "idmesh aml load" in out["warnings"][0]["message"]
    assert main(["aml", "load", "--sample", "--no-monitor", "--json"]) == 0
    loaded = json.loads(capsys.readouterr().out)
    assert loaded["list"] == "idmesh-demo" and loaded["entity_count"] == 8
    assert main(["check", "aml", "--name", "Victor Samplenko", "--json"]) == 0
    hit = json.loads(capsys.readouterr().out)
    assert hit["data"]["matches"][0]["entity_id"] == "idmesh-demo:demo-p1"
    assert 0 <= hit["score"] <= 100
    _clear(pg)
