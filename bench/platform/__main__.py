"""`python -m bench.platform [--starts 5] [--sessions 50] [--pairs 20]`

1. Ready time of each function process (start → /readyz 200) against a bare
   functions-framework hello world started the same way (median of several starts), and
   against the floor (bench/hello/floor.py: the hello world plus the libraries and the
   Postgres round trip that any function answering authenticated events needs).
2. End-to-end latency of the email+phone session from the last code entered to the signed
   webhook received (p50/p95), and sessions per minute, on the real local stack.
0. The import-time profile of every function module against the hello world's
   (bench/platform/imports.py; `--import-runs 0` skips it).
3. What authenticating senders and re-reading state add per delivery (bench/platform/
   authority.py): token verification in µs against parsing the event, and the webhooks
   intake's look-ups against the bare tenant transaction.
4. Tracing+metrics overhead on the whole session, a paired on/off ratio (overhead.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.platform.authority import state_cost, token_cost
from bench.platform.overhead import overhead
from bench.stack import bench_stack
from shared.db.cluster import free_port
from shared.local.demo import run_verification
from shared.local.process import PROJECT_ROOT, FunctionProcess, LocalFunction
from shared.local.stack import Stack, available_functions
from shared.local.webhook_receiver import WebhookReceiver


class _Hello(FunctionProcess):
    """The same process, serving the hello-world function of the same folder."""

    def source(self) -> Path:
        return PROJECT_ROOT / "bench" / "hello" / f"{self.spec.folder}.py"


def ready_times(stack: Stack, starts: int) -> None:
    def measure(make) -> float:
        samples = []
        for _ in range(starts):
            proc = make()
            proc.start()
            samples.append(proc.wait_ready(180))
            proc.stop()
        return statistics.median(samples)

    logs = stack.root / "bench-logs"
    hello = measure(
        lambda: _Hello(
            LocalFunction("hello", "hello", "main", free_port(), ready_path="/"), {}, logs
        )
    )
    # the same, plus the libraries and the Postgres round trip every function needs
    floor_env = stack.database_env("email")
    floor = measure(
        lambda: _Hello(
            LocalFunction("floor", "floor", "floor", free_port(), ready_path="/"), floor_env, logs
        )
    )
    print(
        f"\nready time, median of {starts} starts (hello world: {hello * 1000:.0f} ms; "
        f"floor, hello + libraries + one Postgres round trip: {floor * 1000:.0f} ms, "
        f"{floor / hello:.2f}x)"
    )
    print(f"{'function':<18}{'ready ms':>10}{'ratio':>8}{'vs floor':>10}")
    for name in available_functions():
        spec = stack.processes[name].spec
        t = measure(
            lambda spec=spec, name=name: FunctionProcess(
                LocalFunction(spec.name, spec.target, spec.folder, free_port()),
                {**stack.env(), **stack.database_env(name)},
                logs,
            )
        )
        print(f"{name:<18}{t * 1000:>10.0f}{t / hello:>8.2f}{t / floor:>10.2f}")


def latency(stack: Stack, sessions: int, concurrency: int) -> None:
    receiver = WebhookReceiver().start()
    lat: list[float] = []
    try:
        with httpx.Client(base_url=stack.api_url, timeout=60) as client:

            def one(i: int) -> float:
                tag = uuid.uuid4().hex[:8]
                out = run_verification(
                    client,
                    stack.urls.admin_db,
                    receiver,
                    f"b-{tag}@bench.example",
                    f"u-{tag}@example.org",
                    f"+1415555{i % 10000:04d}",
                )
                assert out["session"]["status"] == "approved", out["session"]["status"]
                return out["latency_s"]

            t0 = time.time()
            with ThreadPoolExecutor(concurrency) as pool:
                lat = list(pool.map(one, range(sessions)))
            wall = time.time() - t0
    finally:
        receiver.stop()
    lat.sort()
    p50 = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
    print(
        f"\nend to end (last code entered -> verified webhook), {sessions} sessions, "
        f"{concurrency} in parallel"
    )
    print(f"  p50 {p50 * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   max {lat[-1] * 1000:.0f} ms")
    print(
        f"  {sessions / wall * 60:.0f} sessions/minute (each: register, workflow, session, "
        f"2 codes, decision, webhook)"
    )


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.platform")
    p.add_argument("--starts", type=int, default=5)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument(
        "--pairs",
        type=int,
        default=20,
        help="paired sessions for the tracing+metrics overhead ratio (0: skip)",
    )
    p.add_argument("--import-runs", type=int, default=3)
    args = p.parse_args()
    if args.import_runs:
        from bench.platform.imports import main as import_profile

        import_profile(["--runs", str(args.import_runs)])
    with bench_stack() as stack:
        print(
            "stack ready; functions:",
            ", ".join(f"{n} {s:.2f}s" for n, s in stack.ready_seconds.items()),
        )
        latency(stack, args.sessions, args.concurrency)
        token_cost(stack.issuer)
        state_cost(stack)
        ready_times(stack, args.starts)
    if args.pairs:  # on stacks of its own, once this one is down
        overhead(args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
