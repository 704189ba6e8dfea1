"""`python -m bench.platform.imports [--runs 3] [FUNCTION...]`: the import-time profile of
each function's module (what a cold start pays before it can serve), against a bare
functions-framework hello world imported the same way, in one run, and against the floor
(bench/hello/floor.py: the hello world plus the libraries every function needs).

For each function: the median import time of `functions/<name>/main.py` (`python -X
importtime`, cumulative µs of the module), its ratio to the hello world, and the heaviest
top-level packages it pulls in (cumulative time of the first import of each).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys

from shared.local.process import PROJECT_ROOT
from shared.local.stack import available_functions

# imported by the interpreter before the measured statement
_STARTUP = {"site", "encodings", "os", "functions", "main"}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def profile(module: str, source_dir: str | None = None) -> tuple[int, dict[str, int]]:
    """(cumulative µs of `module`, cumulative µs per top-level package it imported)."""
    code = f"import {module}"
    if source_dir:
        code = f"import sys; sys.path.insert(0, {source_dir!r}); {code}"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    ).stderr
    total = 0
    packages: dict[str, int] = {}
    for line in out.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        cumulative, name = int(m.group(2)), m.group(4)
        if name == module:
            total = cumulative
        parts = name.split(".")
        # third-party packages and idmesh's own packages, where they are first imported
        unit = ".".join(parts[:2]) if parts[0] == "shared" else parts[0]
        first = unit not in packages and not unit.startswith("__")
        if name == unit and unit not in _STARTUP and first:
            packages[unit] = cumulative
    return total, dict(packages)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.platform.imports")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("functions", nargs="*")
    args = p.parse_args(argv)
    names = args.functions or available_functions()
    hello, floor = (
        statistics.median(
            profile(module, str(PROJECT_ROOT / "bench" / "hello"))[0] for _ in range(args.runs)
        )
        for module in ("main", "floor")
    )
    print(
        f"import time, median of {args.runs} (hello world: {hello / 1000:.0f} ms; floor, "
        f"hello + the libraries every function needs: {floor / 1000:.0f} ms, "
        f"{floor / hello:.2f}x)"
    )
    print(f"{'function':<18}{'import ms':>10}{'ratio':>8}{'vs floor':>10}  heaviest packages (ms)")
    for name in names:
        runs = [profile(f"functions.{name}.main") for _ in range(args.runs)]
        total = statistics.median(r[0] for r in runs)
        heavy = sorted(runs[-1][1].items(), key=lambda kv: -kv[1])[:5]
        tops = ", ".join(f"{k} {v / 1000:.0f}" for k, v in heavy)
        print(f"{name:<18}{total / 1000:>10.0f}{total / hello:>8.2f}{total / floor:>10.2f}  {tops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
