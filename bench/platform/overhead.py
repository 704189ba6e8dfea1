"""Observability overhead on the end-to-end session, as a paired ratio measured in one run.

Two stacks run side by side, each on its own Postgres and with the functions an e-mail +
phone verification goes through: one with tracing and metrics on (spans exported to files,
as `idmesh up` does; every metric recorded), one with both off (`IDMESH_TRACING=false`,
`IDMESH_METRICS=false`). Each pair runs the same verification once on each stack, in
alternating order, so that drift of the (shared) machine hits both sides of a pair alike;
the ratio of a pair is on / off. Printed: the median ratio with its interquartile range and
a bootstrap 95 % confidence interval of the median, for the whole session (registration to
verified webhook), for its last leg (last code entered to verified webhook), and for the CPU
time the stack's processes (broker, relay, every function with its workers) spent on the
session: latency is mostly waiting on a loaded machine, CPU time is what the
instrumentation costs.

    python -m bench.platform.overhead [--pairs 20]        # ./dev bench platform --pairs N
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.stack import bench_stack
from shared.crypto.envelope import load_master_key
from shared.local.demo import run_verification
from shared.local.stack import Stack
from shared.local.webhook_receiver import WebhookReceiver
from tests.platform.helpers import EMAIL_PHONE_FUNCTIONS

TARGET = 1.05  # issue 18: tracing and metrics cost at most 5 %


@dataclass
class Side:
    name: str
    stack: Stack
    receiver: WebhookReceiver
    client: httpx.Client
    master_key: bytes
    n: int = 0

    def pids(self) -> list[int]:
        procs = [*self.stack.processes.values(), self.stack.broker]
        return [p.proc.pid for p in procs if p is not None and p.proc is not None]

    def session(self) -> tuple[float, float, float]:
        """One verification: (whole session, last code -> verified webhook, CPU), seconds."""
        self.n += 1
        tag = f"{self.name}-{uuid.uuid4().hex[:8]}"
        cpu0 = cpu_seconds(self.pids())
        t0 = time.perf_counter()
        got = run_verification(
            self.client,
            self.stack.urls.admin_db,
            self.receiver,
            f"o-{tag}@bench.example",
            f"u-{tag}@example.org",
            f"+1415555{self.n % 10000:04d}",
            master_key=self.master_key,
        )
        wall = time.perf_counter() - t0
        time.sleep(0.3)  # the last spans' batch is exported (every 200 ms) within the session
        cpu = cpu_seconds(self.pids()) - cpu0
        if not got["webhook"]["verified"] or got["session"]["status"] != "approved":
            raise RuntimeError(f"{self.name}: the verification did not complete: {got}")
        return wall, got["latency_s"], cpu


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU of the processes `roots` and all their live descendants (/proc)."""
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    wanted = set(roots)
    grew = True
    while grew:
        more = {pid for pid, pp in parent.items() if pp in wanted} - wanted
        wanted |= more
        grew = bool(more)
    return sum(used.get(pid, 0.0) for pid in wanted)


@contextmanager
def side(name: str, observed: bool) -> Iterator[Side]:
    flag = "true" if observed else "false"
    with bench_stack(
        f"idmesh-overhead-{name}-",
        run_name=f"overhead-{name}",
        functions=EMAIL_PHONE_FUNCTIONS,
        extra_env={"IDMESH_TRACING": flag, "IDMESH_METRICS": flag},
    ) as stack:
        receiver = WebhookReceiver().start()
        try:
            with httpx.Client(base_url=stack.api_url, timeout=60) as client:
                yield Side(name, stack, receiver, client, load_master_key(stack.settings))
        finally:
            receiver.stop()


def quartiles(xs: list[float]) -> tuple[float, float, float]:
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def bootstrap_median_ci(
    xs: list[float], rounds: int = 10_000, seed: int = 18
) -> tuple[float, float]:
    """A percentile bootstrap 95 % interval of the median."""
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(rounds))
    return meds[int(0.025 * rounds)], meds[int(0.975 * rounds) - 1]


def summary(label: str, ratios: list[float]) -> str:
    q1, med, q3 = quartiles(ratios)
    lo, hi = bootstrap_median_ci(ratios)
    verdict = "within" if hi <= TARGET else ("over" if lo > TARGET else "not separable from")
    return (
        f"  {label}: median ratio {med:.3f} (IQR {q1:.3f}-{q3:.3f}, bootstrap 95% CI "
        f"{lo:.3f}-{hi:.3f}); {verdict} the target <= {TARGET:.2f}"
    )


def overhead(pairs: int = 20, warmup: int = 2) -> dict[str, list[float]]:
    """Run `pairs` paired sessions and print the ratios; returns the raw ratios."""
    with ExitStack() as stack:
        print("overhead: starting two stacks (observed: tracing+metrics on; bare: both off)")
        on = stack.enter_context(side("observed", True))
        off = stack.enter_context(side("bare", False))
        for _ in range(warmup):  # connections, caches, the first tenant's broker
            on.session()
            off.session()
        whole: list[float] = []
        tail: list[float] = []
        cpu: list[float] = []
        times: dict[str, list[float]] = {"on": [], "off": [], "cpu_on": [], "cpu_off": []}
        for i in range(pairs):
            first, second = (on, off) if i % 2 == 0 else (off, on)
            a, b = first.session(), second.session()
            got_on, got_off = (a, b) if first is on else (b, a)
            times["on"].append(got_on[0])
            times["off"].append(got_off[0])
            times["cpu_on"].append(got_on[2])
            times["cpu_off"].append(got_off[2])
            whole.append(got_on[0] / got_off[0])
            tail.append(got_on[1] / got_off[1])
            cpu.append(got_on[2] / got_off[2])
    print(
        f"\nobservability overhead, {pairs} pairs (alternating order, one session at a time); "
        f"whole session p50: on {statistics.median(times['on']) * 1000:.0f} ms, "
        f"off {statistics.median(times['off']) * 1000:.0f} ms; CPU per session p50: "
        f"on {statistics.median(times['cpu_on']) * 1000:.0f} ms, "
        f"off {statistics.median(times['cpu_off']) * 1000:.0f} ms"
    )
    print(summary("whole session (registration -> verified webhook)", whole))
    print(summary("last code -> verified webhook", tail))
    print(summary("CPU time of the stack's processes per session", cpu))
    return {"whole": whole, "tail": tail, "cpu": cpu}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.platform.overhead")
    p.add_argument("--pairs", type=int, default=20, help="paired sessions (default 20)")
    args = p.parse_args(argv)
    overhead(args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
