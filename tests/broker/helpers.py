"""Real HTTP subscribers and manifest writers for the broker tests."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from shared.http.server_reply import send

ROOT = Path(__file__).resolve().parents[2]

TENANT_A = str(uuid.UUID("11111111-1111-4111-8111-111111111111"))
TENANT_B = str(uuid.UUID("22222222-2222-4222-8222-222222222222"))


class Received:
    def __init__(self, headers: dict[str, str], body: bytes, at: float) -> None:
        self.headers = headers
        self.body = body
        self.at = at

    @property
    def ce(self) -> dict[str, str]:
        return {k[3:]: v for k, v in self.headers.items() if k.startswith("ce-")}


Responder = Callable[[int, Received], tuple[int, dict[str, str], bytes]]


class Subscriber:
    """A subscriber on 127.0.0.1:<ephemeral>; `respond(n, request)` picks the answer for the
    n-th request (0-based)."""

    def __init__(self, respond: Responder | None = None) -> None:
        self.respond = respond or (lambda n, r: (202, {}, b""))
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                rec = Received({k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with outer._cond:
                    index = len(outer.received)
                    outer.received.append(rec)
                    outer._cond.notify_all()
                status, headers, out = outer.respond(index, rec)
                send(self, status, out, headers=headers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=lambda: self.server.serve_forever(poll_interval=0.05), daemon=True
        )
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.time() + timeout
        with self._cond:
            while len(self.received) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} request(s), got {len(self.received)} in {timeout}s"
                    )
                self._cond.wait(left)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def spawn_broker(*args: str, timeout: float = 20) -> tuple[subprocess.Popen, str]:
    """`python -m shared.broker --port 0 --log-level WARNING ARGS` in a process of its own;
    once it has printed its ready line (within `timeout` s): the process and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "shared.broker", "--port", "0", "--log-level", "WARNING", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)  # no thread: bench times this
    line = proc.stdout.readline() if ready else ""
    if "ready on" not in line:
        proc.kill()
        raise AssertionError(f"broker did not start: {line!r} {proc.stderr.read()[-2000:]}")
    return proc, line.rsplit(" ", 1)[1].strip()


def broker_doc(namespace: str, tenant_id: str | None = None, name: str = "default") -> dict:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if tenant_id:
        meta["annotations"] = {"idmesh.io/tenant-id": tenant_id}
    return {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "metadata": meta}


def trigger_doc(
    namespace: str,
    name: str,
    subscriber: dict,
    attributes: dict | None = None,
    filters: list | None = None,
    delivery: dict | None = None,
    broker: str = "default",
) -> dict:
    spec: dict[str, Any] = {"broker": broker, "subscriber": subscriber}
    if attributes is not None:
        spec["filter"] = {"attributes": attributes}
    if filters is not None:
        spec["filters"] = filters
    if delivery is not None:
        spec["delivery"] = delivery
    return {
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Trigger",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def write_manifests(directory: Path, docs: list[dict], filename: str = "tenant.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def write_broker(directory: Path, namespace: str, *triggers: dict, tenant: str = TENANT_A) -> Path:
    """The manifests of one tenant: its broker `default` in `namespace` and `triggers`."""
    return write_manifests(directory, [broker_doc(namespace, tenant), *triggers])


def write_one_trigger(directory: Path, namespace: str, subscriber: dict, delivery: dict) -> Path:
    """A tenant's broker with one trigger `t`, for every event, to `subscriber`."""
    return write_broker(
        directory, namespace, trigger_doc(namespace, "t", subscriber, delivery=delivery)
    )


def service_ref(name: str, namespace: str | None = None) -> dict[str, str]:
    """A trigger's `ref` to the Knative Service `name`."""
    ref = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": name}
    if namespace is not None:
        ref["namespace"] = namespace
    return ref


def write_services(path: Path, services: dict[str, str]) -> Path:
    path.write_text(json.dumps(services))
    return path


def binary_event(
    ev_type: str = "io.idmesh.test.v1",
    tenant: str | None = TENANT_A,
    data: Any = None,
    ev_id: str | None = None,
    **ext: str,
) -> tuple[dict[str, str], bytes]:
    headers = {
        "ce-specversion": "1.0",
        "ce-id": ev_id or str(uuid.uuid4()),
        "ce-source": "/idmesh/test",
        "ce-type": ev_type,
        "content-type": "application/json",
    }
    if tenant:
        headers["ce-tenantid"] = tenant
    headers.update({f"ce-{k}": v for k, v in ext.items()})
    return headers, json.dumps(data if data is not None else {"n": 1}).encode()


def structured_event(ev_type: str = "io.idmesh.test.v1", tenant: str = TENANT_A, **ext: str):
    doc = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/idmesh/test",
        "type": ev_type,
        "datacontenttype": "application/json",
        "tenantid": tenant,
        "data": {"n": 2},
        **ext,
    }
    return {"content-type": "application/cloudevents+json"}, json.dumps(doc).encode()


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
