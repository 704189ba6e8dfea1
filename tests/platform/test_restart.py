"""Stopping and starting the embedded database keeps every tenant and session."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import psycopg

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres
from shared.db.tenant_tx import Database
from shared.sessions.store import create_session
from shared.tenancy.api_keys import create_api_key
from shared.tenancy.tenants import create_tenant, tenant_cipher
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.store import create_workflow
from tests.conftest import idmesh_cli, make_data_dir


def _idmesh(data_dir, *args) -> subprocess.CompletedProcess:
    return idmesh_cli(*args, data_dir=data_dir, unset=("DATABASE_URL",))


def test_stop_start_keeps_data():
    data_dir = make_data_dir()
    try:
        settings = Settings(data_dir=data_dir)
        urls = prepare_database(settings)
        master = load_master_key(settings)
        db = Database(urls.app)
        tid = str(uuid.uuid4())
        with db.tenant(tid) as conn:
            create_tenant(conn, master, tid, "Restart Co", "r@example.org")
            create_api_key(conn, tid, "k")
            wf = create_workflow(
                conn,
                tid,
                WorkflowDefinition.model_validate({"name": "w", "steps": [{"check": "email"}]}),
            )
            s, _ = create_session(
                conn, tenant_cipher(conn, master, tid), wf.id, 1, "v", None, None, 7
            )
        db.close()

        stop = _idmesh(data_dir, "db", "stop")
        assert stop.returncode == 0, stop.stderr
        assert not EmbeddedPostgres(data_dir).is_running()
        start = _idmesh(data_dir, "db", "start")
        assert start.returncode == 0, start.stderr
        url = _idmesh(data_dir, "db", "url").stdout.strip()
        assert url.startswith("postgresql://idmesh_app:")
        with psycopg.connect(url) as conn:
            conn.execute("SELECT set_config('idmesh.tenant_id', %s, false)", (tid,))
            assert conn.execute("SELECT name FROM tenants").fetchone()[0] == "Restart Co"
            assert conn.execute("SELECT id FROM sessions").fetchone()[0] == s.id
        # Migrations are idempotent.
        again = _idmesh(data_dir, "migrate")
        assert again.returncode == 0 and "up to date" in again.stdout
    finally:
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)
