"""A private Postgres cluster started from the machine's Postgres binaries.

Postgres refuses to run as root, so when idmesh runs as root the cluster is initialised and
run as the `postgres` OS user (or IDMESH_PG_OS_USER). All state lives under
`<data_dir>/pg/`: the data directory, the socket directory and `state.json` (port and the
generated role passwords, readable only by the invoking user).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from shared.config import Settings

log = logging.getLogger(__name__)

SUPERUSER = "idmesh_super"
DATABASE = "idmesh"


class ClusterError(RuntimeError):
    pass


def find_pg_bin() -> Path:
    """The directory of initdb/pg_ctl: IDMESH_PG_BIN, PATH, or the newest Debian install."""
    explicit = Settings.from_env().pg_bin
    if explicit:
        return Path(explicit)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return Path(candidates[0]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    raise ClusterError(
        "no Postgres server binaries found (initdb); install the 'postgresql' package "
        "or set IDMESH_PG_BIN or DATABASE_URL"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """Whether Postgres could listen on `port`. Like Postgres, SO_REUSEADDR: connections of
    the previous run in TIME_WAIT must not move a restarted cluster to another port (every
    running function would keep the old one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class ClusterState:
    port: int
    passwords: dict[str, str]

    def url(self, role: str, database: str = DATABASE) -> str:
        return f"postgresql://{role}:{self.passwords[role]}@127.0.0.1:{self.port}/{database}"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.root = (Path(data_dir) / "pg").resolve()
        self.pgdata = self.root / "data"
        self.sockets = self.root / "run"
        self.state_file = self.root / "state.json"
        self.logfile = self.root / "postgres.log"
        self.os_user = self._choose_os_user()

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _choose_os_user() -> str | None:
        if os.geteuid() != 0:
            return None
        return Settings.from_env().pg_os_user

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def _chown(self, path: Path) -> None:
        if self.os_user:
            pw = pwd.getpwnam(self.os_user)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def load_state(self) -> ClusterState | None:
        if not self.state_file.exists():
            return None
        raw = json.loads(self.state_file.read_text())
        return ClusterState(port=int(raw["port"]), passwords=dict(raw["passwords"]))

    def ensure_password(self, state: ClusterState, role: str) -> ClusterState:
        """A generated password for a role added after the cluster was made (kept in state)."""
        if role not in state.passwords:
            state.passwords[role] = secrets.token_urlsafe(24)
            self._save_state(state)
        return state

    def _save_state(self, state: ClusterState) -> None:
        self.state_file.write_text(json.dumps({"port": state.port, "passwords": state.passwords}))
        os.chmod(self.state_file, 0o600)

    # -- lifecycle -------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> ClusterState:
        bindir = find_pg_bin()
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # noqa: S103 - the postgres OS user must traverse it
        state = self.load_state()
        if state is None:
            state = ClusterState(
                port=free_port(),
                passwords={
                    SUPERUSER: secrets.token_urlsafe(24),
                    "idmesh_owner": secrets.token_urlsafe(24),
                    "idmesh_app": secrets.token_urlsafe(24),
                },
            )
            self._save_state(state)
        if self.initialised:
            return state
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(parents=True, exist_ok=True)
        pwfile = self.root / "pwfile"
        pwfile.write_text(state.passwords[SUPERUSER] + "\n")
        for p in (self.pgdata, self.sockets, pwfile):
            self._chown(p)
        os.chmod(self.pgdata, 0o700)
        os.chmod(pwfile, 0o600)
        try:
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise ClusterError(f"initdb failed: {exc.stderr.strip()}") from exc
        finally:
            pwfile.unlink(missing_ok=True)
        return state

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        bindir = find_pg_bin()
        res = self._run([str(bindir / "pg_ctl"), "-D", str(self.pgdata), "status"], check=False)
        return res.returncode == 0

    def start(self) -> ClusterState:
        state = self.init()
        if self.is_running():
            return state
        if not _port_is_free(state.port):
            state.port = free_port()
            self._save_state(state)
        bindir = find_pg_bin()
        if not self.logfile.exists():
            self.logfile.touch()
        self._chown(self.logfile)
        opts = (
            f"-c port={state.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.sockets} -c max_connections=200 "
            "-c fsync=on -c shared_buffers=128MB"
        )
        try:
            self._run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-o",
                    opts,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
        except subprocess.CalledProcessError as exc:
            tail = self.logfile.read_text(errors="replace")[-2000:]
            raise ClusterError(f"pg_ctl start failed: {exc.stderr.strip()}\n{tail}") from exc
        self._wait_ready(state)
        return state

    def _wait_ready(self, state: ClusterState, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(state.url(SUPERUSER, "postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if not self.is_running():
            return
        bindir = find_pg_bin()
        self._run(
            [str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            check=False,
        )

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
