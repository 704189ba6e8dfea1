"""Tracing overhead on the end-to-end session: the same verification on a stack with tracing
on (spans exported to files, as `idmesh up` does) and on one with tracing off, alternating
rounds in one run so that drift of the machine hits both; the ratio of medians is printed.
Metrics stay on in both (prometheus-client counters cost nanoseconds; there is no switch)."""

from __future__ import annotations

import statistics
import uuid

import httpx

from shared.config import Settings
from shared.db.cluster import free_port
from shared.local.demo import run_verification
from shared.local.stack import Stack
from shared.local.webhook_receiver import WebhookReceiver


def _round(settings: Settings, tracing: bool, sessions: int, name: str) -> list[float]:
    stack = Stack(
        settings,
        api_port=free_port(),
        run_name=name,
        extra_env={
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
            "IDMESH_TRACING": "true" if tracing else "false",
        },
    )
    receiver = WebhookReceiver().start()
    out: list[float] = []
    try:
        stack.start()
        with httpx.Client(base_url=stack.api_url, timeout=60) as client:
            for i in range(sessions + 1):
                tag = uuid.uuid4().hex[:8]
                got = run_verification(
                    client,
                    stack.urls.admin_db,
                    receiver,
                    f"o-{tag}@bench.example",
                    f"u-{tag}@example.org",
                    f"+1415556{i % 10000:04d}",
                )
                if i:  # the first session warms caches and connections
                    out.append(got["latency_s"])
    finally:
        receiver.stop()
        stack.stop()
    return out


def overhead(settings: Settings, sessions: int, rounds: int = 2) -> None:
    on: list[float] = []
    off: list[float] = []
    for r in range(rounds):
        on += _round(settings, True, sessions, f"bench-trace-on-{r}")
        off += _round(settings, False, sessions, f"bench-trace-off-{r}")
    p_on, p_off = statistics.median(on), statistics.median(off)
    print(f"\ntracing overhead, {len(on)} sessions each way, one at a time, alternating rounds")
    print(
        f"  last code -> verified webhook p50: tracing on {p_on * 1000:.0f} ms, "
        f"off {p_off * 1000:.0f} ms, ratio {p_on / p_off:.3f} (target <= 1.05)"
    )
