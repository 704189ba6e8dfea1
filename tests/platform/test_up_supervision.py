"""`idmesh up` owns its processes (issue 13): a second `idmesh up` on the same data
directory refuses clearly; `kill -9` of `idmesh up` leaves no function holding its port,
and the next `idmesh up` starts cleanly; a killed broker is restarted (with backoff for a
crash loop)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from shared.db.cluster import free_port
from shared.local.process import FunctionProcess, LocalFunction, Supervisor
from tests.conftest import PgStack


def _up(pg: PgStack, port: int) -> subprocess.Popen:
    env = {**os.environ, **pg.env(), "IDMESH_DATA_DIR": str(pg.data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "up", "--port", str(port), "--keep-db"]
        + ["--functions", "api"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return False


def test_second_up_refuses_and_kill_9_leaves_no_orphan(pg):
    port = free_port()
    first = _up(pg, port)
    try:
        assert _wait(lambda: _answers(port), 120), "the first idmesh up never became ready"
        second = _up(pg, free_port())
        out, err = second.communicate(timeout=60)
        assert second.returncode == 1, (out, err)
        assert "already running" in err and str(first.pid) in err
        # kill -9 of `idmesh up`: its API must not survive holding the port.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert _wait(lambda: not _answers(port), 15), "an orphaned API still answers"
        third = _up(pg, port)
        try:
            assert _wait(lambda: _answers(port), 120), "the next idmesh up did not start"
            third.send_signal(signal.SIGTERM)
            assert third.wait(timeout=60) == 0
            assert _wait(lambda: not _answers(port), 15)
        finally:
            if third.poll() is None:
                third.kill()
    finally:
        if first.poll() is None:
            first.kill()


def test_supervisor_restarts_with_backoff(tmp_path):
    """A process that keeps dying at start waits longer each time; a killed broker comes
    back on its port."""
    port = free_port()
    spec = LocalFunction(name="broker", target="", folder="", port=port)

    class Broker(FunctionProcess):
        def command(self) -> list[str]:
            return [
                sys.executable, "-m", "shared.broker", "--port", str(port),
                "--manifests", str(tmp_path / "m"), "--services", str(tmp_path / "s.json"),
                "--state", str(tmp_path / "state"),
            ]  # fmt: skip

    (tmp_path / "m").mkdir()
    (tmp_path / "s.json").write_text("{}")
    broker = Broker(spec, {}, tmp_path / "logs")
    broker.spec.ready_path = "/healthz"
    broker.start()
    broker.wait_ready(30)
    sup = Supervisor([broker], interval=0.1)
    sup.start()
    try:
        broker.kill()
        assert _wait(lambda: broker.restarts == 1 and _answers(port), 30)
        # A process that ran long restarts at once; quick deaths back off 0.5 s, 1 s, 2 s...
        assert sup.delay_for(broker, broker.started_at + 60) == 0.0
        assert sup.delay_for(broker, broker.started_at + 1) == 0.5
        assert sup.delay_for(broker, broker.started_at + 1) == 1.0
        assert sup.delay_for(broker, broker.started_at + 1) == 2.0
        assert sup.delay_for(broker, broker.started_at + 60) == 0.0
    finally:
        sup.stop()
        broker.stop()
