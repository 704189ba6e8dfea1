"""`idmesh trace SESSION_ID`: the span tree of one verification, with timings, read from the
span files that the local stack writes (no collector needed)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from shared.config import Settings


def span_dirs(settings: Settings) -> list[Path]:
    """The configured span directory, else every local run's `spans/` under the data dir."""
    if settings.span_dir:
        return [Path(settings.span_dir)]
    return sorted(p for p in Path(settings.data_dir).glob("*/spans") if p.is_dir())


def _run(args) -> int:
    from shared.observability.span_files import render_tree, session_tree

    try:
        session_id = str(uuid.UUID(args.session_id))
    except ValueError:
        print(f"not a session id: {args.session_id!r}")
        return 2
    settings = Settings.from_env()
    roots = []
    for directory in span_dirs(settings):
        roots += session_tree(directory, session_id)
    roots.sort(key=lambda n: n.record["start_ns"])
    if args.json:
        print(json.dumps([_as_dict(n) for n in roots], indent=2, default=str))
    else:
        print(render_tree(roots, session_id), end="")
    return 0 if roots else 1


def _as_dict(node) -> dict:
    return {**node.record, "children": [_as_dict(c) for c in node.children]}


def register(subparsers) -> None:
    p = subparsers.add_parser("trace", help="print a session's span tree with timings")
    p.add_argument("session_id")
    p.add_argument("--json", action="store_true", help="the spans as nested JSON")
    p.set_defaults(func=_run)
