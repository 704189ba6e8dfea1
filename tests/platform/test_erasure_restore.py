"""Erasure after a backup restore: a real pg_dump taken before an erasure, restored over the
database afterwards, brings the session back; `idmesh erasure replay` of the exported ledger
erases it again (idempotently) and leaves the other sessions alone. Also: vendor_data rows
written before migration 0130 are sealed by `idmesh erasure seal-legacy`.

Runs on a Postgres of its own (the database is dropped and restored)."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres, find_pg_bin
from shared.db.tenant_tx import Database
from shared.sessions import lifecycle, vendor_data
from shared.sessions.store import get_session
from shared.tenancy.tenants import create_tenant, tenant_cipher
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.store import create_workflow
from tests.conftest import idmesh_cli, make_data_dir
from tests.platform.dump import plain_dump


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return idmesh_cli(*args, data_dir=data_dir, unset=("IDMESH_MASTER_KEY",))


@pytest.fixture()
def own_pg():
    data_dir = make_data_dir()
    settings = Settings(data_dir=data_dir)
    try:
        yield settings, prepare_database(settings), data_dir
    finally:
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.slow  # its own cluster, a dump, a drop and a restore
def test_replay_erases_again_what_a_restored_backup_brought_back(own_pg, tmp_path, monkeypatch):
    settings, urls, data_dir = own_pg
    # the keyed fingerprints derive from this installation's master key
    monkeypatch.setenv("IDMESH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("IDMESH_MASTER_KEY", raising=False)
    master = load_master_key(settings)
    tid, tag = str(uuid.uuid4()), uuid.uuid4().hex[:10]
    gone_marker, kept_marker = f"gone-{tag}", f"kept-{tag}"
    db = Database(urls.functions["api"], max_size=1)
    with db.tenant(tid) as conn:
        create_tenant(conn, master, tid, "Restore Co", "ops@example.org")
        wf = create_workflow(
            conn,
            tid,
            WorkflowDefinition.model_validate({"name": "r", "steps": [{"check": "email"}]}),
        )
        cipher = tenant_cipher(conn, master, tid)
        gone, _ = lifecycle.create(
            conn, cipher, "api", wf.id, wf.version, gone_marker, None, None, 7
        )
        kept, _ = lifecycle.create(
            conn, cipher, "api", wf.id, wf.version, kept_marker, None, None, 7
        )
    gone_id, kept_id = str(gone.id), str(kept.id)

    # 1. the nightly backup (custom format, as pg_restore takes it)
    backup = tmp_path / "backup.dump"
    subprocess.run(
        [str(find_pg_bin() / "pg_dump"), "-Fc", "-f", str(backup), "-d", urls.admin_db],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # 2. the person asks for erasure after the backup was taken
    with db.tenant(tid) as conn:
        lifecycle.erase(conn, tid, "api", get_session(conn, gone_id))
    # 3. the ledger goes off the database (ids and times only)
    ledger = tmp_path / "ledger.jsonl"
    out = _cli(data_dir, "erasure", "export", "--out", str(ledger))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in ledger.read_text().splitlines()]
    assert lines[0] == {"format": "idmesh-erasure-ledger/1"}
    assert [(e["tenant_id"], e["session_id"]) for e in lines[1:]] == [(tid, gone_id)]
    assert gone_marker not in ledger.read_text()
    db.close()

    # 4. disaster: the database is restored from the backup (dropped, recreated, restored)
    admin_pg = make_conninfo(urls.admin, dbname="postgres")
    dbname = conninfo_to_dict(urls.admin_db)["dbname"]
    with psycopg.connect(admin_pg, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
    subprocess.run(
        [str(find_pg_bin() / "pg_restore"), "--create", "-d", admin_pg, str(backup)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with psycopg.connect(urls.admin_db, row_factory=dict_row) as conn:
        back = conn.execute(
            "SELECT deleted_at, vendor_data_enc IS NOT NULL AS sealed FROM sessions WHERE id = %s",
            (gone_id,),
        ).fetchone()
        keys = conn.execute(
            "SELECT count(*) AS n FROM session_keys WHERE session_id = %s", (gone_id,)
        ).fetchone()["n"]
    # the restore brought the erased person back, key and all: what replay is for
    assert back["deleted_at"] is None and back["sealed"] and keys == 1

    # 5. replay: erased again; a second replay changes nothing
    out = _cli(data_dir, "erasure", "replay", str(ledger), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"entries": 1, "erased": 1, "already_erased": 0, "absent": 0}
    out = _cli(data_dir, "erasure", "replay", str(ledger), "--json")
    assert json.loads(out.stdout) == {"entries": 1, "erased": 0, "already_erased": 1, "absent": 0}

    db = Database(urls.functions["api"], max_size=1)
    try:
        with db.tenant(tid) as conn:
            s = get_session(conn, gone_id)
            assert s.deleted_at is not None and s.vendor_data_enc is None
            assert (
                conn.execute(
                    "SELECT count(*) AS n FROM session_keys WHERE session_id = %s", (gone_id,)
                ).fetchone()["n"]
                == 0
            )
            cipher = tenant_cipher(conn, master, tid)
            assert vendor_data.of_session(conn, cipher, get_session(conn, kept_id)) == kept_marker
            trail = conn.execute(
                "SELECT actor, details FROM audit_log WHERE session_id = %s AND "
                "action = 'session.erased' ORDER BY seq",
                (gone_id,),
            ).fetchall()
            assert [r["actor"] for r in trail] == ["erasure_replay"]  # the backup had none

            # 6. a row from before migration 0130 (plain vendor_data) is sealed by seal-legacy
            legacy = f"legacy-{tag}"
            conn.execute(
                "UPDATE sessions SET vendor_data = %s, vendor_data_enc = NULL, "
                "vendor_data_hash = NULL WHERE id = %s",
                (legacy, kept_id),
            )
    finally:
        db.close()
    with psycopg.connect(urls.admin_db, row_factory=dict_row) as conn:
        at = conn.execute(
            "SELECT erased_at FROM erasure_ledger WHERE session_id = %s", (gone_id,)
        ).fetchone()["erased_at"]
    # the replayed erasure is in the ledger again, with its first time
    assert at.isoformat()[:19] == lines[1]["erased_at"][:19]
    assert legacy in plain_dump(urls.admin_db)
    out = _cli(data_dir, "erasure", "seal-legacy")
    assert out.returncode == 0 and "sealed the vendor_data of 1 sessions" in out.stdout, out
    assert legacy not in plain_dump(urls.admin_db)
    db = Database(urls.functions["api"], max_size=1)
    try:
        with db.tenant(tid) as conn:
            cipher = tenant_cipher(conn, master, tid)
            assert vendor_data.of_session(conn, cipher, get_session(conn, kept_id)) == legacy
            found = conn.execute(
                "SELECT id FROM sessions WHERE vendor_data_hash = %s",
                (vendor_data.vendor_data_hash(tid, legacy),),
            ).fetchall()
            assert [str(r["id"]) for r in found] == [kept_id]
    finally:
        db.close()


def test_replay_refuses_a_file_that_is_not_a_ledger(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"format": "something-else"}\n')
    out = _cli(tmp_path, "erasure", "replay", str(bad))
    assert out.returncode == 2 and "not an erasure ledger export" in out.stderr
