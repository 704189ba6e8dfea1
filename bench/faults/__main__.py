"""`./dev bench faults [--sessions N] [--faults K] [--seed S]`: N concurrent sessions on a
fresh local stack while K random faults hit it (function SIGKILL, broker SIGKILL, relay
crash, Postgres restart); prints how many were decided exactly once, got exactly one
webhook, and were lost (0 expected). Exit code 1 if any was not."""

from __future__ import annotations

import argparse
import os
import sys

from bench.faults.run import run_faults


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.faults")
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--faults", type=int, default=16)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--kinds", default="function,broker,relay,postgres", help="comma-separated fault kinds"
    )
    args = ap.parse_args(argv)
    os.environ["IDMESH_WEBHOOK_BACKOFF_SCALE"] = "0.02"
    from bench.stack import bench_stack  # after the backoff scale is set

    with bench_stack(
        "idmesh-faults-", run_name="faults", extra_env={"IDMESH_WEBHOOK_BACKOFF_SCALE": "0.02"}
    ) as stack:
        assert stack.urls is not None
        report = run_faults(
            stack,
            stack.urls.admin_db,
            args.sessions,
            args.faults,
            args.kinds.split(","),
            seed=args.seed,
        )
    print("\n".join(report.lines()))
    return 0 if report.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
