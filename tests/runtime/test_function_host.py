"""The event functions' lifecycle (shared/runtime/function.py) ends like the web functions':
`stop` runs once, only after a finished start, and a real function process stopped the way
Knative stops a pod (SIGTERM) closes its pools."""

from __future__ import annotations

import pytest

from shared.config import Settings
from shared.runtime.function import EventFunction, FunctionHost
from tests.conftest import function_process


class _Counter(EventFunction):
    name = "counter"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.stops = 0

    def start(self, settings):
        if self.fail:
            raise RuntimeError("model file missing")

    def stop(self) -> None:
        self.stops += 1


def test_stopped_once_and_only_after_a_finished_start(tmp_path):
    settings = Settings(data_dir=tmp_path, tracing=False, log_format="text")
    never = _Counter()
    FunctionHost(never, settings).stop()
    assert never.stops == 0
    broken = _Counter(fail=True)
    host = FunctionHost(broken, settings)
    assert not host.wait_started(2)
    host.stop()
    assert broken.stops == 0
    fn = _Counter()
    host = FunctionHost(fn, settings)
    assert host.wait_started(5)
    host.stop()
    host.stop()
    assert fn.stops == 1


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("email", "email"),
        ("orchestrator", "orchestrator"),
        ("webhooks", "webhooks"),
    ],
)
def test_a_function_process_stopped_by_sigterm_closes_its_pools(pg, target, name):
    log = pg.data_dir / "logs" / f"{target}.log"
    with function_process(pg, target, log_format="text"):
        pass  # ready (its pool open), then SIGTERM to the process group, as the kubelet does
    text = log.read_text()
    assert text.count(f"function {name} stopped") == 1
    assert "failed to stop" not in text
