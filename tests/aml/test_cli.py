import json
from pathlib import Path

from shared.cli.main import main
from tests.aml import generator as g


def test_load_lists_and_check_across_commands(tmp_path: Path, monkeypatch, capsys, pg):
    """Loads go to Postgres as the owner role; `lists` and `check` read as the app role."""
    from shared.aml.screener import _SCREENERS

    with pg.admin() as con:
        con.execute("DELETE FROM aml_current_versions")
        con.execute("DELETE FROM aml_list_versions")
    _SCREENERS.clear()
    monkeypatch.setenv("IDMESH_DATA_DIR", str(pg.data_dir))
    src = g.write_eu_xml(tmp_path / "eu.xml")
    assert main(["aml", "load", str(src), "--format", "eu-xml", "--json"]) == 0
    loaded = json.loads(capsys.readouterr().out)
    assert loaded["changed"] and loaded["entity_count"] == 2 and loaded["published"] == "2024-02-20"
    assert main(["aml", "load", str(src), "--format", "eu-xml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False
    assert main(["aml", "lists", "--json"]) == 0
    lists = json.loads(capsys.readouterr().out)
    assert [v["list"] for v in lists] == ["eu"] and lists[0]["sha256"]
    code = main(["check", "aml", "--name", "Сидоров Иван", "--dob", "1965", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "warning"
    assert out["data"]["matches"][0]["entity_id"] == "eu:13"
    assert out["data"]["screened_name"] == "Сидоров Иван"
    assert main(["aml", "load", str(tmp_path / "nope.xml"), "--format", "eu-xml"]) == 2
    with pg.admin() as con:
        con.execute("DELETE FROM aml_current_versions WHERE list = 'eu'")
        con.execute("DELETE FROM aml_list_versions WHERE list = 'eu'")
    _SCREENERS.clear()


def test_a_job_loads_a_list_by_url_pinned_by_its_hash(tmp_path: Path, pg, monkeypatch, capsys):
    """What the idmesh-aml-load Job runs: the official file by URL, refused unless it has
    the pinned sha256; the version's source is the URL (provenance)."""
    import functools
    import http.server
    import threading

    from shared.aml.lists import file_sha256

    src = g.write_eu_xml(tmp_path / "eu.xml")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/eu.xml"
    monkeypatch.setenv("IDMESH_DATA_DIR", str(pg.data_dir))
    try:
        args = ["aml", "load", url, "--format", "eu-xml", "--list", "eu-url", "--json"]
        assert main([*args, "--sha256", "0" * 64]) == 2
        assert "pinned sha256" in capsys.readouterr().err
        assert main([*args, "--sha256", file_sha256(src)]) == 0
        loaded = json.loads(capsys.readouterr().out)
        assert loaded["source"] == url and loaded["sha256"] == file_sha256(src)
    finally:
        server.shutdown()
        with pg.admin() as con:
            con.execute("DELETE FROM aml_current_versions WHERE list = 'eu-url'")
            con.execute("DELETE FROM aml_list_versions WHERE list = 'eu-url'")
