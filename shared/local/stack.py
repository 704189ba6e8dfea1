"""`idmesh up`: Postgres, the local broker, the outbox relay and every function, each
function in its own process on its own port, as Knative would run it."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg.rows import dict_row

from shared.config import Settings
from shared.db.bootstrap import DatabaseUrls, prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.process import PROJECT_ROOT, FunctionProcess, FunctionSpec, Supervisor
from shared.local.provision import write_tenant_manifests
from shared.manifests.catalog import FUNCTIONS, service_name

log = logging.getLogger(__name__)


# Every function of the catalogue runs locally, the relay included (its loop wakes on NOTIFY;
# in a cluster a PingSource wakes it as well).
NOT_LOCAL: set[str] = set()


def available_functions() -> list[str]:
    """Every function of the catalogue that has a `functions/<name>/main.py` here."""
    return [
        name
        for name in FUNCTIONS
        if name not in NOT_LOCAL and (PROJECT_ROOT / "functions" / name / "main.py").exists()
    ]


@dataclass
class Stack:
    settings: Settings
    api_port: int = 8080
    broker_port: int = 0
    functions: list[str] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    urls: DatabaseUrls | None = None
    processes: dict[str, FunctionProcess] = field(default_factory=dict)
    broker: FunctionProcess | None = None
    ready_seconds: dict[str, float] = field(default_factory=dict)
    run_name: str = "local"
    # Extra Trigger files (a tenant's own subscribers, `idmesh manifests --subscriber`).
    trigger_files: list[Path] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """This stack's run directory (services file, manifests, broker state, logs): two
        stacks on one database must not share it."""
        return Path(self.settings.data_dir).resolve() / self.run_name

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def broker_url(self) -> str:
        return f"http://127.0.0.1:{self.broker_port}"

    def env(self) -> dict[str, str]:
        assert self.urls is not None
        return {
            "IDMESH_DATA_DIR": str(Path(self.settings.data_dir).resolve()),
            "IDMESH_APP_DATABASE_URL": self.urls.app,
            "IDMESH_BROKER_URL": self.broker_url,
            "IDMESH_PUBLIC_URL": self.api_url,
            "IDMESH_MANIFESTS_DIR": str(self.root / "manifests"),
            "IDMESH_WEBHOOK_ALLOW_PRIVATE": "true",
            "IDMESH_SPAN_DIR": str(self.root / "spans"),
            **self.extra_env,
        }

    # -- start ----------------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.perf_counter()
        self.urls = prepare_database(self.settings)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "manifests").mkdir(exist_ok=True)
        self._render_existing_tenants()
        self.add_trigger_files(self.trigger_files)
        if not self.broker_port:
            self.broker_port = free_port()
        names = self.functions or available_functions()
        specs = {
            n: FunctionSpec(
                name=service_name(n),
                target=n,
                folder=n,
                port=self.api_port if n == "api" else free_port(),
            )
            for n in names
        }
        services = {s.name: s.url for s in specs.values()}
        (self.root / "services.json").write_text(json.dumps(services, indent=2))
        self._start_broker()
        env = self.env()
        for n, spec in specs.items():
            self.processes[n] = FunctionProcess(spec, env, self.root / "logs")
            self.processes[n].start()
        for n, proc in self.processes.items():
            self.ready_seconds[n] = proc.wait_ready(180)
        self.supervisor = Supervisor(list(self.processes.values()))
        self.supervisor.start()
        log.info("stack ready in %.1fs", time.perf_counter() - t0)

    def _start_broker(self) -> None:
        spec = FunctionSpec(name="broker", target="", folder="", port=self.broker_port)
        proc = _BrokerProcess(spec, {}, self.root / "logs", self.root)
        proc.start()
        proc.wait_ready(30)
        self.broker = proc

    def _render_existing_tenants(self) -> None:
        assert self.urls is not None
        with psycopg.connect(self.urls.admin_db, row_factory=dict_row) as conn:
            for t in conn.execute("SELECT id, slug FROM tenants").fetchall():
                write_tenant_manifests(self.root / "manifests", t["slug"], str(t["id"]))

    def add_trigger_files(self, paths: list[Path]) -> list[Path]:
        """Load Trigger files into the local broker (it re-reads its manifests directory),
        after checking them the way Knative's webhook would."""
        from shared.local.provision import add_trigger_file

        return [add_trigger_file(self.root / "manifests", Path(p)) for p in paths]

    # -- stop -----------------------------------------------------------------------------
    def stop(self, stop_database: bool = False) -> None:
        if hasattr(self, "supervisor"):
            self.supervisor.stop()
        for proc in self.processes.values():
            proc.stop()
        if self.broker:
            self.broker.stop()
        if stop_database and not self.settings.database_url:
            EmbeddedPostgres(self.settings.data_dir).stop()

    def wait_forever(self) -> None:
        done = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: done.set())
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        done.wait()


class _BrokerProcess(FunctionProcess):
    def __init__(
        self, spec: FunctionSpec, base_env: dict[str, str], log_dir: Path, root: Path
    ) -> None:
        super().__init__(spec, base_env, log_dir)
        self.root = root

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "shared.broker",
            "--port",
            str(self.spec.port),
            "--manifests",
            str(self.root / "manifests"),
            "--services",
            str(self.root / "services.json"),
            "--state",
            str(self.root / "broker"),
        ]


def check_http(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
