"""`idmesh check passive_liveness IMG [--json]`: presentation-attack score of one selfie."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser("passive_liveness", help="score one selfie for presentation attacks")
    p.add_argument("image", type=Path)
    p.add_argument("--use-model", action="store_true", help="also run the FAS network (slow)")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.faces.check import PassiveLivenessParams, run_passive_liveness

    params = PassiveLivenessParams(use_model=args.use_model)
    return print_result(run_passive_liveness(args.image.read_bytes(), params), args.json)
