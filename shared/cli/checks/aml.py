"""`idmesh check aml --name NAME [--dob ...] [--country CC] [--type person|company] --json`."""

from __future__ import annotations

import argparse

from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser("aml", help="screen a name against the loaded sanctions lists")
    p.add_argument("--name", required=True)
    p.add_argument("--dob", help="YYYY-MM-DD or YYYY")
    p.add_argument("--country", help="ISO 3166-1 alpha-2")
    p.add_argument("--type", choices=["person", "company"])
    p.add_argument(
        "--id",
        action="append",
        default=[],
        dest="identifiers",
        help="passport or national id number (repeatable)",
    )
    p.add_argument("--threshold", type=float, help="possible-match threshold (default 0.7)")
    p.add_argument("--review-threshold", type=float)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.aml.check import AmlParams, AmlQuery, run_aml

    params = {}
    if args.threshold is not None:
        params["possible_match_threshold"] = args.threshold
    if args.review_threshold is not None:
        params["review_threshold"] = args.review_threshold
    query = AmlQuery(
        name=args.name,
        date_of_birth=args.dob,
        country=args.country,
        type=args.type,
        identifiers=args.identifiers,
    )
    result = run_aml(query, AmlParams(**params))
    code = print_result(result, args.json)
    if not args.json:
        for m in result.data.get("matches", []):
            print(
                f"  {m['score']:.3f} {m['list']} {m['entity_id']} {m['name']!r} "
                f"(matched {m['matched_name']!r})"
            )
    return code
