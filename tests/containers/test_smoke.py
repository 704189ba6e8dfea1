"""Container smoke test (`./dev test --containers`; skipped otherwise): Postgres, the
migration (as the cluster's Job would run it), the API, the broker, the relay, the
orchestrator and the email check function, each a container of the built images, talking
over loopback only (`--network host`, every server bound to 127.0.0.1), and a verification
through them: register, workflow, session, email code, submit, decision."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from shared.catalog import PLATFORM_ROUTES, service_name
from shared.db.cluster import free_port
from shared.local.demo import code_for
from shared.manifests.render import render_platform_eventing, write
from shared.workload.identity import SA_PREFIX, trigger_subject
from shared.workload.issuer import LocalIssuer, Workload

pytestmark = pytest.mark.skipif(
    os.environ.get("IDMESH_CONTAINER_TESTS") != "1",
    reason="container smoke test: run ./dev test --containers (builds the images first)",
)
IMAGE = os.environ.get("IDMESH_IMAGE", "localhost/idmesh:dev")
PG_IMAGE = "localhost/idmesh-postgres:15"
CONF = Path(__file__).resolve().parents[2] / "image" / "containers.conf"
ENV = {**os.environ, "CONTAINERS_CONF": str(CONF)}


def podman(*args: str, check: bool = True) -> str:
    return subprocess.run(
        ["podman", *args], check=check, capture_output=True, text=True, env=ENV, timeout=300
    ).stdout.strip()


class Containers:
    """The containers started, their logs kept in `log_dir` when they stop (a failed start
    is diagnosed from them)."""

    def __init__(self, log_dir: Path) -> None:
        self.ids: list[str] = []
        self.names: dict[str, str] = {}
        self.log_dir = log_dir

    def run(self, image: str, env: dict[str, str], *args: str, volumes=(), name="") -> str:
        cmd = ["run", "-d", "--network", "host", "--read-only", "--tmpfs", "/tmp"]
        for k, v in env.items():
            cmd += ["-e", f"{k}={v}"]
        for host, inside in volumes:
            cmd += ["-v", f"{host}:{inside}"]
        cid = podman(*cmd, image, *args)
        self.ids.append(cid)
        self.names[cid] = name or image.rsplit("/", 1)[-1]
        return cid

    def stop(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for cid in reversed(self.ids):
            logs = subprocess.run(
                ["podman", "logs", cid], capture_output=True, text=True, env=ENV, timeout=60
            )
            (self.log_dir / f"{self.names[cid]}.log").write_text(logs.stdout + logs.stderr)
            podman("rm", "-f", cid, check=False)


def distinct_ports(n: int) -> list[int]:
    """n free loopback ports, all different: each socket stays bound until all are chosen
    (free_port() one after another may hand out the same port twice, and two containers on
    the host network would then share it)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_http(url: str, timeout: float = 120.0) -> float:
    t0 = time.monotonic()
    last = "no answer"
    while time.monotonic() - t0 < timeout:
        try:
            resp = httpx.get(url, timeout=2)
            if resp.status_code == 200:
                return time.monotonic() - t0
            last = f"{resp.status_code} {resp.text[:300]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.05)
    raise AssertionError(f"{url} not ready after {timeout}s (last: {last})")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = Path(os.environ.get("IDMESH_CONTAINER_LOGS") or tmp_path_factory.mktemp("logs"))
    box = Containers(logs)
    # The token issuer runs on the host's loopback (as `idmesh up` runs it): every function
    # verifies deliveries and calls with it; broker, relay and API get credentials.
    issuer = LocalIssuer(tmp_path_factory.mktemp("issuer")).serve()
    shared = tmp_path_factory.mktemp("shared")
    shared.chmod(0o777)
    (shared / "manifests").mkdir(mode=0o777)
    (shared / "state").mkdir(mode=0o777)
    for d in (shared / "manifests", shared / "state"):
        d.chmod(0o777)
    try:
        pg_port, pw = free_port(), uuid.uuid4().hex
        box.run(PG_IMAGE, {"PGPORT": str(pg_port), "POSTGRES_PASSWORD": pw}, name="postgres")
        admin = f"postgresql://postgres:{pw}@127.0.0.1:{pg_port}/postgres"
        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(admin, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        app_pw, owner_pw, jobs_pw = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        # The migration, as a one-off container (bootstrap needs the superuser here; on a
        # cluster the Job runs `idmesh migrate --owner-only`).
        out = podman(
            "run",
            "--rm",
            "--network",
            "host",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "-e",
            f"DATABASE_URL={admin}",
            "-e",
            "IDMESH_DATA_DIR=/tmp/idmesh",
            "-e",
            f"IDMESH_APP_PASSWORD={app_pw}",
            "-e",
            f"IDMESH_OWNER_PASSWORD={owner_pw}",
            "-e",
            f"IDMESH_JOBS_PASSWORD={jobs_pw}",
            IMAGE,
            "idmesh",
            "migrate",
        )
        assert "applied" in out
        app_url = f"postgresql://idmesh_app:{app_pw}@127.0.0.1:{pg_port}/idmesh"
        # the relay's cross-tenant look-ups answer only the jobs' role
        jobs_url = f"postgresql://idmesh_jobs:{jobs_pw}@127.0.0.1:{pg_port}/idmesh"
        names = ("api", "orchestrator", "email", "relay", "provisioner")
        ports = dict(zip((*names, "broker"), distinct_ports(len(names) + 1), strict=True))
        services = {n: f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "broker"}
        (shared / "services.json").write_text(json.dumps(services))
        write(render_platform_eventing(), shared / "manifests", "platform.yaml")
        common = {
            "IDMESH_APP_DATABASE_URL": app_url,
            "IDMESH_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "IDMESH_BROKER_URL": f"http://127.0.0.1:{ports['broker']}",
            "IDMESH_PUBLIC_URL": f"http://127.0.0.1:{ports['api']}",
            "IDMESH_LISTEN_HOST": "127.0.0.1",
            "IDMESH_REQUIRE_SCHEMA": "true",
            "IDMESH_MANIFESTS_DIR": "/shared/manifests",
            "IDMESH_DATA_DIR": "/tmp/idmesh",
            "IDMESH_OIDC_ISSUER_URL": issuer.issuer_url,
            "IDMESH_PROVISIONER": "local",
        }
        ns = "idmesh"
        credentials = {
            "relay": issuer.credential(Workload(ns, "relay")),
            "api": issuer.credential(Workload(ns, service_name("api"))),
        }
        broker_credential = issuer.credential(
            Workload(
                "knative-eventing",
                "mt-broker-filter",
                may_issue_for=(
                    f"{SA_PREFIX}tenant-*",
                    *(trigger_subject(ns, r.name) for r in PLATFORM_ROUTES),
                ),
            )
        )
        vol = [(str(shared), "/shared")]
        box.run(
            IMAGE,
            {
                "IDMESH_OIDC_ISSUER_URL": issuer.issuer_url,
                "IDMESH_WORKLOAD_CREDENTIAL": broker_credential,
            },
            "idmesh",
            "broker",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports["broker"]),
            "--manifests",
            "/shared/manifests",
            "--services",
            "/shared/services.json",
            "--state",
            "/shared/state",
            volumes=vol,
            name="broker",
        )
        ready = {}
        for name in names:
            extra = {}
            if name in credentials:
                extra["IDMESH_WORKLOAD_CREDENTIAL"] = credentials[name]
            if name == "api":
                extra["IDMESH_FUNCTION_URLS"] = f"email={services['email']}"
            box.run(
                IMAGE,
                {
                    **common,
                    **({"IDMESH_JOBS_DATABASE_URL": jobs_url} if name == "relay" else {}),
                    **extra,
                    "FUNCTION_TARGET": name,
                    "PORT": str(ports[name]),
                },
                volumes=vol,
                name=name,
            )
        for name in names:
            ready[name] = wait_http(f"{services[name]}/readyz")
        yield {
            "box": box,
            "common": common,
            "api": services["api"],
            # the superuser on idmesh's database (the operator's read of the sealed codes)
            "admin_db": f"postgresql://postgres:{pw}@127.0.0.1:{pg_port}/idmesh",
            "master_key": common["IDMESH_MASTER_KEY"],
            "ready": ready,
        }
    finally:
        box.stop()
        issuer.stop()


def key_of(cluster) -> bytes:
    return base64.b64decode(cluster["master_key"])


def test_a_verification_through_the_containers(cluster):
    with httpx.Client(base_url=cluster["api"], timeout=30) as api:
        email = f"c-{uuid.uuid4().hex[:8]}@containers.example"
        api.post("/v1/register", json={"email": email, "organization": "Box Co"}).raise_for_status()
        reg = api.post(
            "/v1/register/verify",
            json={
                "email": email,
                "code": code_for(cluster["admin_db"], email, master_key=key_of(cluster)),
            },
        ).json()
        key = {"Authorization": f"Bearer {reg['api_key']}"}
        wf = api.post(
            "/v1/workflows", headers=key, json={"name": "email only", "steps": [{"check": "email"}]}
        ).json()
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf["id"]}).json()
        user = {"Authorization": f"Bearer {s['session_token']}"}
        sid = s["session_id"]
        target = f"u-{uuid.uuid4().hex[:6]}@example.org"
        api.post(
            f"/v1/sessions/{sid}/email", headers=user, json={"email": target}
        ).raise_for_status()
        api.post(
            f"/v1/sessions/{sid}/email/check",
            headers=user,
            json={"code": code_for(cluster["admin_db"], target, master_key=key_of(cluster))},
        ).raise_for_status()
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
        deadline = time.monotonic() + 90
        while True:
            got = api.get(f"/v1/sessions/{sid}", headers=key).json()
            if got["status"] not in ("not_started", "in_progress"):
                break
            assert time.monotonic() < deadline, got
            time.sleep(0.3)
    assert got["status"] == "approved", got
    assert {c["check"]: c["status"] for c in got["checks"]} == {"email": "passed"}
    print("container ready seconds:", {k: round(v, 2) for k, v in cluster["ready"].items()})


def test_containers_run_as_non_root_on_a_read_only_root(cluster):
    ids = podman("ps", "--format", "{{.ID}}").split()
    assert ids
    for cid in ids:
        inspect = json.loads(podman("inspect", cid))[0]
        assert inspect["HostConfig"]["ReadonlyRootfs"] is True


def test_cold_start_of_a_container_against_the_same_function_started_directly(cluster, tmp_path):
    """The email function to /readyz: as a container of the image, and as a process on the
    host (what `idmesh up` runs); both on the same database. Printed, and bounded loosely."""
    from shared.local.process import FunctionProcess, LocalFunction

    env = {**cluster["common"], "FUNCTION_TARGET": "email"}
    container, direct = [], []
    for _ in range(3):
        port = free_port()
        t0 = time.monotonic()
        cid = cluster["box"].run(IMAGE, {**env, "PORT": str(port)}, name=f"email-cold-{port}")
        wait_http(f"http://127.0.0.1:{port}/readyz")
        container.append(time.monotonic() - t0)
        podman("rm", "-f", cid, check=False)
        spec = LocalFunction(name="email", target="email", folder="email", port=free_port())
        proc = FunctionProcess(spec, {**os.environ, **env}, tmp_path)
        t0 = time.monotonic()
        proc.start()
        proc.wait_ready(120)
        direct.append(time.monotonic() - t0)
        proc.stop()
    print(
        "cold start to /readyz, email function (s): container "
        f"{[round(x, 2) for x in container]}, direct {[round(x, 2) for x in direct]}"
    )
    assert min(container) < 60 and min(direct) < 60
