"""Function processes: each function runs as its own functions-framework process and port,
as Knative would run its container; a crashed process is restarted by the supervisor."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalFunction:
    name: str  # the Knative Service name
    target: str  # the entry point inside functions/<folder>/main.py
    folder: str
    port: int
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/readyz"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class FunctionProcess:
    def __init__(self, spec: LocalFunction, base_env: dict[str, str], log_dir: Path) -> None:
        self.spec = spec
        self.base_env = base_env
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restarts = 0

    def source(self) -> Path:
        """The file the Functions Framework loads the target from."""
        return PROJECT_ROOT / "functions" / self.spec.folder / "main.py"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "functions_framework",
            "--target",
            self.spec.target,
            "--source",
            str(self.source()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.spec.port),
        ]

    def start(self) -> None:
        env = {
            **os.environ,
            **self.base_env,
            **self.spec.env,
            "K_SERVICE": self.spec.name,
            "PORT": str(self.spec.port),
            "PYTHONUNBUFFERED": "1",
        }
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_dir / f"{self.spec.name}.log", "ab")  # noqa: SIM115 - owned by proc
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.command(),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(PROJECT_ROOT),
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, async-signal-safe
        )
        out.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds from start until the readiness probe answered 200."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise RuntimeError(
                        f"function {self.spec.name} exited while starting "
                        f"(see {self.log_dir / (self.spec.name + '.log')})"
                    )
                try:
                    if client.get(self.spec.url + self.spec.ready_path).status_code == 200:
                        return time.monotonic() - self.started_at
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"function {self.spec.name} not ready after {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def _die_with_parent() -> None:
    """In the child: be killed when the process that started us dies, even by SIGKILL, so
    a `kill -9` of `idmesh up` leaves no function holding its port (Linux; elsewhere the
    run lock's orphan clean-up covers it)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


class Supervisor:
    """Restarts crashed processes (as Knative replaces a failed pod), with backoff: a
    process that dies within `healthy_after` seconds of its start waits 0.5 s, 1 s, 2 s ...
    (at most `max_delay`) before the next start; one that ran longer restarts at once."""

    def __init__(
        self,
        processes: list[FunctionProcess],
        interval: float = 0.5,
        healthy_after: float = 10.0,
        max_delay: float = 30.0,
        on_restart: Callable[[FunctionProcess], None] | None = None,
    ) -> None:
        self.processes = processes
        self.interval = interval
        self.healthy_after = healthy_after
        self.max_delay = max_delay
        self.on_restart = on_restart
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def delay_for(self, p: FunctionProcess, died_at: float) -> float:
        if died_at - p.started_at >= self.healthy_after:
            self._failures[p.spec.name] = 0
            return 0.0
        n = self._failures.get(p.spec.name, 0) + 1
        self._failures[p.spec.name] = n
        return min(self.max_delay, 0.5 * 2 ** (n - 1))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            for p in self.processes:
                if p.alive() or self._stop.is_set():
                    continue
                name = p.spec.name
                if name not in self._due:
                    delay = self.delay_for(p, now)
                    self._due[name] = now + delay
                    log.warning(
                        "%s exited (code %s); restarting in %.1fs",
                        name,
                        p.proc.returncode if p.proc else None,
                        delay,
                    )
                if now >= self._due[name]:
                    del self._due[name]
                    p.restarts += 1
                    p.start()
                    # Probe readiness as Knative does: a function starts its work (models,
                    # the relay's loop) when its readiness probe first reaches it.
                    threading.Thread(
                        target=self._probe, args=(p,), name=f"probe-{name}", daemon=True
                    ).start()
                    if self.on_restart:
                        self.on_restart(p)

    @staticmethod
    def _probe(p: FunctionProcess) -> None:
        try:
            p.wait_ready(180)
        except (RuntimeError, TimeoutError) as exc:  # it died again: the loop restarts it
            log.warning("%s not ready after restart: %s", p.spec.name, exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
