"""One `idmesh up` per run directory: a lock file holding its pid, and the pids of the
processes it started, so that a second `idmesh up` refuses clearly and the next one after
a crash (`kill -9`) stops whatever the previous one left behind before taking the ports."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
from pathlib import Path

# Only processes whose command line holds one of these are ours to stop.
MARKERS = ("functions_framework", "shared.broker")


class AlreadyRunning(RuntimeError):
    pass


class RunLock:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock_path = root / "up.lock"
        self.children_path = root / "children.json"
        self._fd: int | None = None

    def acquire(self) -> list[int]:
        """Take the lock (or raise AlreadyRunning); stop orphans of a previous run."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"idmesh up is already running for {self.root} (pid {holder}); "
                f"stop it first (Ctrl-C in its terminal, or kill {holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self.stop_orphans()

    def record(self, pids: list[int]) -> None:
        tmp = self.children_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(pids)))
        tmp.replace(self.children_path)

    def stop_orphans(self, timeout: float = 10.0) -> list[int]:
        """Stop the process groups a previous run recorded that are still ours."""
        try:
            pids = json.loads(self.children_path.read_text())
        except (OSError, ValueError):
            return []
        orphans = [p for p in pids if isinstance(p, int) and _is_ours(p)]
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(_alive(p) for p in orphans):
            time.sleep(0.1)
        for pid in orphans:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
        self.children_path.unlink(missing_ok=True)
        return orphans

    def release(self) -> None:
        if self._fd is not None:
            self.children_path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) holds no port.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return False
    return True


def _is_ours(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return any(m in cmd for m in MARKERS)
