"""Container cold start against the same function started directly.

`./dev bench image [--functions email id_document] [--starts 3] [--image localhost/idmesh:dev]`
starts a private Postgres, then each function N times as a container of the built image
(`./dev image` first; `--network host`, listening on 127.0.0.1 only, read-only root, /tmp
tmpfs) and N times as a local functions-framework process, and prints the median time from
start to a 200 on /readyz (models loaded and warmed, schema level checked)."""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from shared.config import Settings
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.process import FunctionProcess, LocalFunction

CONF = Path(__file__).resolve().parents[2] / "image" / "containers.conf"


def _wait_ready(port: int, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"port {port} not ready")


def container_start(image: str, fn: str, env: dict[str, str]) -> float:
    port = free_port()
    args = [
        "podman",
        "run",
        "--rm",
        "-d",
        "--network",
        "host",
        "--read-only",
        "--tmpfs",
        "/tmp",
        "-e",
        f"FUNCTION_TARGET={fn}",
        "-e",
        f"PORT={port}",
        "-e",
        "IDMESH_LISTEN_HOST=127.0.0.1",
    ]
    for k, v in env.items():
        args += ["-e", f"{k}={v}"]
    t0 = time.perf_counter()
    cid = subprocess.run(
        [*args, image],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "CONTAINERS_CONF": str(CONF)},
    ).stdout.strip()
    try:
        _wait_ready(port)
        return time.perf_counter() - t0
    finally:
        subprocess.run(
            ["podman", "rm", "-f", cid],
            capture_output=True,
            env={**os.environ, "CONTAINERS_CONF": str(CONF)},
        )


def direct_start(fn: str, env: dict[str, str], log_dir: Path) -> float:
    port = free_port()
    proc = FunctionProcess(LocalFunction(fn.replace("_", "-"), fn, fn, port), env, log_dir)
    t0 = time.perf_counter()
    proc.start()
    try:
        _wait_ready(port)
        return time.perf_counter() - t0
    finally:
        proc.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--functions", nargs="+", default=["email", "id_document"])
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--image", default="localhost/idmesh:dev")
    a = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="idmesh-bench-image-"))
    data.chmod(0o755)
    try:
        urls = prepare_database(Settings(data_dir=data))
        env = {
            "IDMESH_APP_DATABASE_URL": urls.app,
            "IDMESH_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "IDMESH_REQUIRE_SCHEMA": "true",
        }
        size = subprocess.run(
            ["podman", "image", "inspect", "--format", "{{.Size}}", a.image],
            capture_output=True,
            text=True,
            env={**os.environ, "CONTAINERS_CONF": str(CONF)},
        ).stdout.strip()
        print(f"image {a.image}: {int(size) / 1e6:.0f} MB" if size else "image: not built")
        for fn in a.functions:
            c = [container_start(a.image, fn, env) for _ in range(a.starts)]
            d = [
                direct_start(fn, {**env, "IDMESH_DATA_DIR": str(data)}, data / "logs")
                for _ in range(a.starts)
            ]
            mc, md = statistics.median(c), statistics.median(d)
            print(
                f"{fn}: ready as a container {mc * 1000:.0f} ms, directly {md * 1000:.0f} ms "
                f"(x{mc / md:.2f}), median of {a.starts}"
            )
    finally:
        EmbeddedPostgres(data).stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
