"""`python -m bench.broker [--events N] [--concurrency C]`

Starts the local broker in-process (real SQLite state in a temp dir, fsync on) and a
subscriber server, publishes N events from C client threads, and prints:
- ingress latency (POST -> 202, i.e. durably stored) p50/p95,
- end-to-end latency (POST sent -> subscriber received) p50/p95,
- accepted events/s and delivered events/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.stats import percentile
from shared.broker import LocalBroker
from tests.broker.helpers import (
    TENANT_A,
    Subscriber,
    broker_doc,
    spawn_broker,
    trigger_doc,
    write_manifests,
    write_services,
)


def _ready_time() -> float:
    """Seconds from spawning `python -m shared.broker --port 0` to its ready line."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc, _ = spawn_broker("--state", tmp)
        elapsed = time.perf_counter() - t0
        proc.terminate()
        proc.wait(10)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broker")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--starts", type=int, default=5, help="process starts to time")
    args = parser.parse_args()
    if args.starts:
        times = [_ready_time() for _ in range(args.starts)]
        print(
            f"broker process ready time (spawn -> ready line): median "
            f"{1000 * statistics.median(times):.0f} ms over {len(times)} starts"
        )

    received: dict[str, float] = {}
    lock = threading.Lock()

    def respond(n, req):
        with lock:
            received[req.headers["ce-id"]] = time.perf_counter()
        return 202, {}, b""

    sub = Subscriber(respond)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_manifests(
            root / "manifests",
            [
                broker_doc("tenant-bench", TENANT_A),
                trigger_doc(
                    "tenant-bench",
                    "all",
                    {"uri": sub.url},
                    attributes={"type": "io.idmesh.bench.v1"},
                ),
            ],
        )
        write_services(root / "services.json", {})
        broker = LocalBroker(
            root / "manifests", root / "services.json", root / "state", workers=args.workers
        ).start()
        url = broker.ingress_url("tenant-bench")
        sent: dict[str, float] = {}
        ingress: list[float] = []

        def post(i: int, client: httpx.Client) -> None:
            ev_id = str(uuid.uuid4())
            headers = {
                "ce-specversion": "1.0",
                "ce-id": ev_id,
                "ce-source": "/idmesh/bench",
                "ce-type": "io.idmesh.bench.v1",
                "ce-tenantid": TENANT_A,
                "content-type": "application/json",
            }
            t0 = time.perf_counter()
            with lock:
                sent[ev_id] = t0
            r = client.post(url, headers=headers, content=json.dumps({"i": i}).encode())
            assert r.status_code == 202, r.text
            ingress.append(time.perf_counter() - t0)

        clients = [httpx.Client() for _ in range(args.concurrency)]
        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            for i in range(args.events):
                pool.submit(post, i, clients[i % args.concurrency])
        accepted_at = time.perf_counter()
        deadline = time.time() + 120
        while len(received) < args.events and time.time() < deadline:
            time.sleep(0.01)
        delivered_at = time.perf_counter()
        broker.stop()
        for c in clients:
            c.close()
    sub.close()
    e2e = [received[k] - sent[k] for k in received if k in sent]
    print(
        f"events: {args.events}, client threads: {args.concurrency}, "
        f"dispatch workers: {args.workers}, delivered: {len(received)}"
    )
    print(
        f"ingress (POST -> 202 stored): p50 {1000 * statistics.median(ingress):.1f} ms, "
        f"p95 {1000 * percentile(ingress, 0.95):.1f} ms"
    )
    print(
        f"end to end (POST -> subscriber): p50 {1000 * statistics.median(e2e):.1f} ms, "
        f"p95 {1000 * percentile(e2e, 0.95):.1f} ms"
    )
    print(
        f"accepted: {args.events / (accepted_at - start):.0f} events/s; "
        f"delivered: {len(received) / (delivered_at - start):.0f} events/s"
    )
    return 0 if len(received) == args.events else 1


if __name__ == "__main__":
    raise SystemExit(main())
