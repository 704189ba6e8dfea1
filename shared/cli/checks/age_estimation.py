"""`idmesh check age_estimation IMG [--dob YYYY-MM-DD] [--minimum-age N] [--json]`."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "age_estimation", help="estimate age from a face (and a date of birth)"
    )
    p.add_argument("image", type=Path)
    p.add_argument("--dob", type=date.fromisoformat, default=None, help="date of birth YYYY-MM-DD")
    p.add_argument("--minimum-age", type=int, default=18)
    p.add_argument("--margin", type=float, default=5.0, help="years around the minimum: review")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.faces.check import AgeEstimationParams, run_age_estimation

    params = AgeEstimationParams(minimum_age=args.minimum_age, margin=args.margin)
    result = run_age_estimation(args.image.read_bytes(), params, date_of_birth=args.dob)
    return print_result(result, args.json)
