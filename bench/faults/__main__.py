"""`./dev bench faults [--sessions N] [--faults K] [--seed S]`: N concurrent sessions on a
fresh local stack while K random faults hit it (function SIGKILL, broker SIGKILL, relay
crash, Postgres restart); prints how many were decided exactly once, got exactly one
webhook, and were lost (0 expected). Exit code 1 if any was not."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

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
    from shared.config import Settings
    from shared.db.cluster import EmbeddedPostgres, free_port
    from shared.local.stack import Stack

    data_dir = Path(tempfile.mkdtemp(prefix="idmesh-faults-"))
    data_dir.chmod(0o755)
    stack = Stack(
        Settings(data_dir=data_dir),
        api_port=free_port(),
        run_name="faults",
        extra_env={
            "IDMESH_WEBHOOK_BACKOFF_SCALE": "0.02",
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
        },
    )
    try:
        stack.start()
        assert stack.urls is not None
        report = run_faults(
            stack,
            stack.urls.admin_db,
            args.sessions,
            args.faults,
            args.kinds.split(","),
            seed=args.seed,
        )
    finally:
        stack.stop()
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print("\n".join(report.lines()))
    return 0 if report.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
