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

import psycopg
from psycopg.rows import dict_row

from shared.catalog import FUNCTIONS, PLATFORM_ROUTES, STANDALONE_CHECKS, service_name
from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.bootstrap import DatabaseUrls, prepare_database
from shared.db.cluster import EmbeddedPostgres, _port_is_free, free_port
from shared.local.process import PROJECT_ROOT, FunctionProcess, LocalFunction, Supervisor
from shared.local.provision import write_tenant_manifests
from shared.local.run_lock import RunLock
from shared.manifests.render import render_platform_eventing, write
from shared.sessions.vendor_data import seal_legacy_all
from shared.workload.identity import (
    SA_PREFIX,
    broker_audience,
    service_audience,
    subject,
    trigger_subject,
)
from shared.workload.issuer import LocalIssuer, Workload

log = logging.getLogger(__name__)


# Every function of the catalogue runs locally, the relay included (its loop wakes on NOTIFY;
# in a cluster a PingSource wakes it as well).
NOT_LOCAL: set[str] = set()


class PortInUse(RuntimeError):
    pass


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
    issuer: LocalIssuer | None = None
    hosted_port: int = 0
    console_port: int = 0
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
    def hosted_url(self) -> str:
        return f"http://127.0.0.1:{self.hosted_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    @property
    def broker_url(self) -> str:
        return f"http://127.0.0.1:{self.broker_port}"

    def env(self) -> dict[str, str]:
        assert self.urls is not None and self.issuer is not None
        return {
            "IDMESH_OIDC_ISSUER_URL": self.issuer.issuer_url,
            "IDMESH_DATA_DIR": str(Path(self.settings.data_dir).resolve()),
            "IDMESH_BROKER_URL": self.broker_url,
            "IDMESH_PUBLIC_URL": self.api_url,
            "IDMESH_HOSTED_URL": self.hosted_url,
            "IDMESH_CONSOLE_URL": self.console_url,
            "IDMESH_API_INTERNAL_URL": self.api_url,
            "IDMESH_MANIFESTS_DIR": str(self.root / "manifests"),
            "IDMESH_WEBHOOK_ALLOW_PRIVATE": "true",
            "IDMESH_SPAN_DIR": str(self.root / "spans"),
            **self.extra_env,
        }

    # -- start ----------------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.perf_counter()
        self.run_lock = RunLock(self.root)
        orphans = self.run_lock.acquire()  # raises AlreadyRunning
        if orphans:
            log.warning("stopped %d processes left by a previous run: %s", len(orphans), orphans)
        if not _port_is_free(self.api_port):
            self.run_lock.release()
            raise PortInUse(f"port {self.api_port} is in use by another program")
        # The local OIDC issuer: its signing key under the data dir, JWKS over HTTP.
        self.issuer = LocalIssuer(self.settings.data_dir).serve()
        self.urls = prepare_database(self.settings)
        # rows from before migration 0130 get their vendor_data sealed (needs the master key)
        sealed = seal_legacy_all(self.urls.admin_db, load_master_key(self.settings))
        if sealed:
            log.info("sealed the vendor_data of %d older sessions", sealed)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "manifests").mkdir(exist_ok=True)
        self._render_existing_tenants()
        # The platform Broker: `tenant.registered` reaches the provisioner function.
        write(render_platform_eventing(), self.root / "manifests", "platform.yaml")
        self.add_trigger_files(self.trigger_files)
        if not self.broker_port:
            self.broker_port = free_port()
        names = self.functions or available_functions()
        if not self.hosted_port:
            self.hosted_port = free_port()
        if not self.console_port:
            self.console_port = free_port()
        specs = {
            n: LocalFunction(
                name=service_name(n),
                target=n,
                folder=n,
                port={
                    "api": self.api_port,
                    "hosted": self.hosted_port,
                    "console": self.console_port,
                }.get(n)
                or free_port(),
            )
            for n in names
        }
        services = {s.name: s.url for s in specs.values()}
        (self.root / "services.json").write_text(json.dumps(services, indent=2))
        self._start_broker()
        env = self.env()
        for n, spec in specs.items():
            # Each function connects as its own role (shared/db/grants.py).
            proc_env = {**env, **self.database_env(n)}
            if n == "relay":
                proc_env.update(self._relay_env())
            if n == "api":
                proc_env.update(self._api_env(specs))
            self.processes[n] = FunctionProcess(spec, proc_env, self.root / "logs")
            self.processes[n].start()
        for n, proc in self.processes.items():
            self.ready_seconds[n] = proc.wait_ready(180)
        supervised = [*self.processes.values(), *([self.broker] if self.broker else [])]
        self.run_lock.record([p.proc.pid for p in supervised if p.proc])
        self.supervisor = Supervisor(
            supervised,
            on_restart=lambda _: self.run_lock.record([p.proc.pid for p in supervised if p.proc]),
        )
        self.supervisor.start()
        log.info("stack ready in %.1fs", time.perf_counter() - t0)

    def database_env(self, function: str) -> dict[str, str]:
        """The function's own database URL (its role `idmesh_fn_<function>`); a function
        without a role (it touches no table) gets none."""
        assert self.urls is not None
        url = self.urls.functions.get(function)
        return {"IDMESH_FUNCTION_DATABASE_URL": url} if url else {}

    def _relay_env(self) -> dict[str, str]:
        """The relay's issuer credential (a token per tenant broker, as the `relay`); its
        role (idmesh_fn_relay) is the only one the cross-tenant look-ups answer."""
        assert self.issuer is not None
        return {
            "IDMESH_WORKLOAD_CREDENTIAL": self.issuer.credential(
                Workload(self.settings.namespace, "relay")
            ),
        }

    def _api_env(self, specs: dict[str, LocalFunction]) -> dict[str, str]:
        """The API forwards standalone checks to the check functions' ports, with a token
        of its own identity (`api`) that each function verifies."""
        assert self.issuer is not None
        return {
            "IDMESH_FUNCTION_URLS": ",".join(
                f"{n}={specs[n].url}" for n in STANDALONE_CHECKS if n in specs
            ),
            "IDMESH_WORKLOAD_CREDENTIAL": self.issuer.credential(
                Workload(self.settings.namespace, service_name("api"))
            ),
        }

    def function_call_env(self) -> dict[str, str]:
        """What another API process on this stack needs to forward standalone checks to
        the stack's check functions (tests run APIs of their own beside the stack)."""
        assert self.issuer is not None
        return {
            "IDMESH_OIDC_ISSUER_URL": self.issuer.issuer_url,
            **self._api_env({n: p.spec for n, p in self.processes.items()}),
        }

    def _start_broker(self) -> None:
        spec = LocalFunction(name="broker", target="", folder="", port=self.broker_port)
        assert self.issuer is not None
        # The broker asks the issuer for its Triggers' identities (Knative's filter requests
        # tokens for each Trigger's OIDC service account in the tenant namespaces).
        credential = self.issuer.credential(
            Workload(
                "knative-eventing",
                "mt-broker-filter",
                may_issue_for=(
                    f"{SA_PREFIX}tenant-*",
                    *(trigger_subject(self.settings.namespace, r.name) for r in PLATFORM_ROUTES),
                ),
            )
        )
        env = {
            "IDMESH_OIDC_ISSUER_URL": self.issuer.issuer_url,
            "IDMESH_WORKLOAD_CREDENTIAL": credential,
        }
        proc = _BrokerProcess(spec, env, self.root / "logs", self.root)
        proc.start()
        proc.wait_ready(30)
        self.broker = proc

    def _render_existing_tenants(self) -> None:
        assert self.urls is not None
        with psycopg.connect(self.urls.admin_db, row_factory=dict_row) as conn:
            for t in conn.execute("SELECT id, slug FROM tenants").fetchall():
                write_tenant_manifests(self.root / "manifests", t["slug"], str(t["id"]))

    # -- workload identity (tests and tools act as a workload would) ------------------------
    def audience_of(self, url: str) -> str:
        """The audience of a local receiver: a tenant broker's ingress or a function."""
        base = url.rstrip("/")
        if base.startswith(self.broker_url):
            namespace, broker = base[len(self.broker_url) :].strip("/").split("/")[:2]
            return broker_audience(namespace, broker)
        for name, proc in self.processes.items():
            if proc.spec.url.rstrip("/") == base:
                return service_audience(self.settings.namespace, service_name(name))
        raise ValueError(f"no local receiver at {url}")

    def auth_headers(
        self, sender: str, url: str, seconds: int | None = None, audience: str | None = None
    ) -> dict[str, str]:
        """A bearer token as `sender` would present it to `url`: "relay" (the outbox relay),
        "broker-filter" (a Trigger of tenant `x`), or a full `system:serviceaccount:` subject."""
        assert self.issuer is not None
        if sender == "relay":
            sub = subject(self.settings.namespace, "relay")
        elif sender == "broker-filter":
            sub = trigger_subject("tenant-x", "any-trigger")
        else:
            sub = sender
        namespace, name = sub[len(SA_PREFIX) :].split(":", 1)
        workload = Workload(namespace, name)
        aud = audience or self.audience_of(url)
        token = (
            self.issuer.mint(workload, aud)
            if seconds is None
            else self.issuer.mint(workload, aud, seconds=seconds)
        )
        return {"Authorization": f"Bearer {token}"}

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
        if self.issuer is not None:
            self.issuer.stop()
        if stop_database and not self.settings.database_url:
            EmbeddedPostgres(self.settings.data_dir).stop()
        if hasattr(self, "run_lock"):
            self.run_lock.release()

    def wait_forever(self) -> None:
        done = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: done.set())
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        done.wait()


class _BrokerProcess(FunctionProcess):
    def __init__(
        self, spec: LocalFunction, base_env: dict[str, str], log_dir: Path, root: Path
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
