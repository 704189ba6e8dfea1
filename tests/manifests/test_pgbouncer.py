"""The rendered PgBouncer configuration, run by a real PgBouncer (Debian's) in front of the
test Postgres: the functions' tenant transactions share server connections in transaction
mode without a tenant setting leaking (it is transaction-local), and the relay's LISTEN
works through the session pool."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from shared.catalog import FUNCTIONS
from shared.db.cluster import free_port
from shared.db.tenant_tx import Database
from shared.manifests.capacity import pgbouncer_budget
from shared.manifests.install import SESSION_DB, TRANSACTION_DB, pgbouncer_ini
from shared.manifests.values import ClusterValues

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
pytestmark = pytest.mark.skipif(
    not os.path.exists(PGBOUNCER), reason="pgbouncer not installed (./dev installs it)"
)


@pytest.fixture()
def bouncer(pg):
    # PgBouncer runs as `postgres` when the tests run as root: pytest's tmp dirs are 0700.
    tmp_path = Path(tempfile.mkdtemp(prefix="idmesh-pgbouncer-"))
    tmp_path.chmod(0o777)
    app = conninfo_to_dict(pg.urls.app)
    values = ClusterValues(
        database={
            "pgbouncer": True,
            "host": app["host"],
            "port": int(app["port"]),
            "name": app["dbname"],
        }
    )
    ini = pgbouncer_ini(values, pgbouncer_budget(FUNCTIONS.values(), values.database))
    version = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True).stdout
    major, minor = (int(x) for x in re.search(r"(\d+)\.(\d+)", version).groups())
    if (major, minor) < (1, 21):  # no protocol-level prepared statements before 1.21
        ini = ini.replace("max_prepared_statements = 200\n", "")
    port = free_port()
    ini = ini.replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
    ini = ini.replace("listen_port = 6432", f"listen_port = {port}")
    ini = ini.replace("/etc/pgbouncer/secret/userlist.txt", str(tmp_path / "userlist.txt"))
    ini += f"unix_socket_dir = {tmp_path}\npidfile = {tmp_path}/pgb.pid\n"
    (tmp_path / "pgbouncer.ini").write_text(ini)
    users = [app, *(conninfo_to_dict(u) for u in pg.urls.functions.values())]
    (tmp_path / "userlist.txt").write_text(
        "".join(f'"{u["user"]}" "{u["password"]}"\n' for u in users)
    )
    for f in ("pgbouncer.ini", "userlist.txt"):
        (tmp_path / f).chmod(0o644)
    cmd = [PGBOUNCER, str(tmp_path / "pgbouncer.ini")]
    if os.geteuid() == 0:
        cmd[1:1] = ["-u", "postgres"]  # PgBouncer refuses to run as root
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"postgresql://{app['user']}:{app['password']}@127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            psycopg.connect(f"{url}/{TRANSACTION_DB}", connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stdout.read().decode(errors="replace")) from None
            time.sleep(0.1)
    yield url, (major, minor)
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_tenant_transactions_share_server_connections_without_leaking(bouncer):
    url, version = bouncer
    db = Database(f"{url}/{TRANSACTION_DB}", max_size=4)
    if version < (1, 21):
        # Debian's 1.18 drops prepared statements between transactions: the rendered
        # production config needs >= 1.21 (max_prepared_statements); here, none are used.
        db._pool = None
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        db._pool = ConnectionPool(
            db.url,
            min_size=1,
            max_size=4,
            open=True,
            kwargs={"row_factory": dict_row, "autocommit": False, "prepare_threshold": None},
        )
    tenants = [str(uuid.uuid4()) for _ in range(8)]
    errors: list[str] = []
    backends: set[int] = set()

    def work(tid: str) -> None:
        for _ in range(15):
            with db.tenant(tid) as conn:
                row = conn.execute(
                    "SELECT current_setting('idmesh.tenant_id', true) AS t, pg_backend_pid() AS p"
                ).fetchone()
                backends.add(row["p"])
                if row["t"] != tid:
                    errors.append(f"{tid} saw {row['t']}")
            with db.no_tenant() as conn:
                seen = conn.execute(
                    "SELECT current_setting('idmesh.tenant_id', true) AS t"
                ).fetchone()["t"]
                if seen:
                    errors.append(f"the tenant setting leaked: {seen}")

    threads = [threading.Thread(target=work, args=(t,)) for t in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.pool.close()
    assert errors == []
    assert len(backends) >= 1


def test_listen_works_through_the_session_pool(bouncer):
    url, _version = bouncer
    with (
        psycopg.connect(f"{url}/{SESSION_DB}", autocommit=True) as listener,
        psycopg.connect(f"{url}/{SESSION_DB}", autocommit=True) as talker,
    ):
        listener.execute("LISTEN idmesh_test")
        talker.execute("NOTIFY idmesh_test, 'hello'")
        got = next(listener.notifies(timeout=5), None)
    assert got is not None and got.payload == "hello"


def test_each_function_connects_as_its_own_role_through_the_rendered_pools(bouncer, pg):
    """The rendered [users] entries: every function role reaches its pool (the relay the
    session pool) as itself, and keeps only its own grants there."""
    url, _version = bouncer
    port = url.rsplit(":", 1)[1]
    for function, direct in pg.urls.functions.items():
        u = conninfo_to_dict(direct)
        dbname = SESSION_DB if function == "relay" else TRANSACTION_DB
        target = f"postgresql://{u['user']}:{u['password']}@127.0.0.1:{port}/{dbname}"
        with psycopg.connect(target, prepare_threshold=None) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == f"idmesh_fn_{function}"
    u = conninfo_to_dict(pg.urls.functions["email"])
    target = f"postgresql://{u['user']}:{u['password']}@127.0.0.1:{port}/{TRANSACTION_DB}"
    with (
        psycopg.connect(target, prepare_threshold=None) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT ciphertext FROM artifacts LIMIT 1")
