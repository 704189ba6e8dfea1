"""`./dev bench fuzz [--api-examples N] [--parser-examples N]`: the suite's fuzz tests with
large example counts; prints requests by status (0 × 5xx expected) and parser outcomes
(0 crashes expected: only returns and documented domain errors).

Runs tests/platform/test_fuzz_api.py (schemathesis against a real API process on an
embedded Postgres) and tests/test_fuzz_parsers.py (hypothesis) in this process, with
fresh random inputs each run (IDMESH_FUZZ_RANDOM), and reads their counters.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.fuzz")
    ap.add_argument("--api-examples", type=int, default=100, help="per API operation")
    ap.add_argument("--parser-examples", type=int, default=3000, help="per parser")
    args = ap.parse_args(argv)
    os.environ["IDMESH_FUZZ_EXAMPLES"] = str(args.api_examples)
    os.environ["IDMESH_FUZZ_PARSER_EXAMPLES"] = str(args.parser_examples)
    os.environ["IDMESH_FUZZ_RANDOM"] = "1"
    os.environ["IDMESH_FUZZ_COVERAGE"] = "1"  # schemathesis' boundary and negative cases too
    import pytest

    t0 = time.perf_counter()
    rc = pytest.main(
        [
            "-q",
            "-p",
            "no:cacheprovider",
            "--timeout=0",
            "tests/platform/test_fuzz_api.py",
            "tests/test_fuzz_parsers.py",
        ]
    )
    seconds = time.perf_counter() - t0
    from tests import test_fuzz_parsers as parsers
    from tests.platform import test_fuzz_api as api

    total = sum(api.STATUSES.values())
    server_errors = sum(n for code, n in api.STATUSES.items() if code >= 500)
    print(f"\nAPI fuzzing: {args.api_examples} examples per operation, {total} requests")
    for code in sorted(api.STATUSES):
        print(f"  {code}: {api.STATUSES[code]}")
    print(f"  5xx: {server_errors}")
    for line in api.SERVER_ERRORS[:20]:
        print(f"    {line}")
    print(f"  answers the document does not declare: {len(api.VIOLATIONS)}")
    for line in api.VIOLATIONS[:20]:
        print(f"    {line}")
    print(f"parser fuzzing: {args.parser_examples} examples per parser")
    for name in sorted(set(parsers.RAISED) | set(parsers.RETURNED)):
        print(
            f"  {name:16s} returned {parsers.RETURNED.get(name, 0):6d}  "
            f"domain error {parsers.RAISED.get(name, 0):6d}"
        )
    print(f"pytest exit code {rc} (0: no 5xx, no undeclared answer, no crash) in {seconds:.0f} s")
    return int(rc)


if __name__ == "__main__":
    sys.exit(main())
