"""The broker as its own process: SIGKILL with pending deliveries, restart, nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.broker.helpers import (
    binary_event,
    service_ref,
    spawn_broker,
    wait_until,
    write_one_trigger,
    write_services,
)
from tests.conftest import idmesh_cli

NS = "tenant-a"


def _spawn(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    return spawn_broker(
        "--manifests",
        str(tmp_path / "manifests"),
        "--services",
        str(tmp_path / "services.json"),
        "--state",
        str(tmp_path / "state"),
        *extra,
    )


@pytest.mark.parametrize("failure", ["failing", "hanging"])
def test_killed_broker_resumes_pending_deliveries(tmp_path, subscribers, failure):
    """`failing`: deliveries wait for a retry; `hanging`: requests in flight at the kill."""
    healthy = {"ok": False}

    def respond(n, r):
        if healthy["ok"]:
            return 202, {}, b""
        if failure == "hanging":
            time.sleep(1.5)
        return 503, {}, b"down"

    sub = subscribers(respond)
    write_one_trigger(
        tmp_path / "manifests",
        NS,
        {"ref": service_ref("orchestrator")},
        {"retry": 200, "backoffPolicy": "linear", "backoffDelay": "PT0.05S"},
    )
    write_services(tmp_path / "services.json", {"orchestrator": sub.url})
    proc, url = _spawn(tmp_path)
    posted = []
    try:
        for _ in range(5):
            headers, body = binary_event()
            r = httpx.post(f"{url}/{NS}/default", headers=headers, content=body)
            assert r.status_code == 202
            posted.append(headers["ce-id"])
        wait_until(lambda: {r.ce["id"] for r in sub.received} >= set(posted))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    healthy["ok"] = True
    seen_before = len(sub.received)
    proc, url = _spawn(tmp_path)
    try:
        wait_until(
            lambda: {r.ce["id"] for r in sub.received[seen_before:]} >= set(posted), timeout=20
        )
        metrics = httpx.get(f"{url}/metrics").text
        assert "idmesh_broker_deliveries_total" in metrics
    finally:
        proc.terminate()
        proc.wait(10)


def test_dead_letters_cli_list_and_replay(tmp_path, subscribers):
    healthy = {"ok": False}
    sub = subscribers(lambda n, r: (202, {}, b"") if healthy["ok"] else (500, {}, b"down"))
    write_one_trigger(tmp_path / "manifests", NS, {"uri": sub.url}, {"retry": 0})
    write_services(tmp_path / "services.json", {})
    proc, url = _spawn(tmp_path)
    try:
        headers, body = binary_event()
        assert httpx.post(f"{url}/{NS}/default", headers=headers, content=body).status_code == 202

        def listed():
            out = idmesh_cli("broker", "dead-letters", "--state", str(tmp_path / "state"), "--json")
            return json.loads(out.stdout) if out.returncode == 0 else None

        (letter,) = wait_until(listed)
        assert letter["event_id"] == headers["ce-id"]
        assert letter["trigger_key"] == f"{NS}/t"
        healthy["ok"] = True
        out = idmesh_cli("broker", "replay", "--all", "--state", str(tmp_path / "state"))
        assert out.returncode == 0 and "replayed 1" in out.stdout
        wait_until(lambda: len(sub.received) >= 2 and sub.received[-1].ce["id"] == headers["ce-id"])
        assert listed() == []
        out = idmesh_cli("broker", "replay", "999", "--state", str(tmp_path / "state"))
        assert out.returncode == 1
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("args", [["replay"], ["replay", "1", "--all"]])
def test_replay_needs_exactly_one_target(tmp_path, args):
    out = idmesh_cli("broker", *args, "--state", str(tmp_path))
    assert out.returncode == 2
