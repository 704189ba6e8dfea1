"""`idmesh codes`: the catalogue of warning and error codes (as `GET /v1/codes`)."""

from __future__ import annotations

import json

from shared.checks.catalogue import catalogue, render_markdown


def _run(args) -> int:
    if args.markdown:
        print(render_markdown(), end="")
    elif args.json:
        print(json.dumps([c.model_dump() for c in catalogue()], indent=2))
    else:
        for c in catalogue():
            print(f"{c.code:32} {c.category:14} {c.description}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("codes", help="every warning/error code with its category and meaning")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="docs/codes.md")
    p.set_defaults(func=_run)
