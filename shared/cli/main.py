"""`idmesh` entry point.

Sub-commands are discovered, so that each domain owns its own module:
- `shared/cli/commands/<name>.py` exposes `register(subparsers)` for a top-level command
  (`idmesh db ...`, `idmesh aml ...`).
- `shared/cli/checks/<check>.py` exposes `register(subparsers)` for `idmesh check <check> ...`;
  every check prints the same result JSON as the API with `--json`.
Each registered parser sets `func=callable(args) -> int` with `set_defaults`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from shared.cli import checks as checks_pkg
from shared.cli import commands as commands_pkg


def _register_all(package, subparsers) -> None:
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        module.register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idmesh", description="idmesh identity verification")
    sub = parser.add_subparsers(dest="command", required=True)
    _register_all(commands_pkg, sub)
    check = sub.add_parser("check", help="run one check locally and print its result")
    check_sub = check.add_subparsers(dest="check", required=True)
    _register_all(checks_pkg, check_sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
