"""`idmesh aml load FILE --format FORMAT [--list NAME]` and `idmesh aml lists`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(subparsers) -> None:
    from shared.aml.loaders import FORMATS

    p = subparsers.add_parser("aml", help="sanctions lists: load and list versions")
    sub = p.add_subparsers(dest="aml_command", required=True)
    load = sub.add_parser("load", help="load a list file as a new version (atomic, idempotent)")
    load.add_argument("file", type=Path)
    load.add_argument("--format", required=True, choices=sorted(FORMATS))
    load.add_argument("--list", dest="list_name", help="list name (default per format)")
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=run_load)
    lists = sub.add_parser("lists", help="show the current version of every list")
    lists.add_argument("--all", action="store_true", help="every version, not just current")
    lists.add_argument("--json", action="store_true")
    lists.set_defaults(func=run_lists)


def run_load(args: argparse.Namespace) -> int:
    from shared.aml.lists import load_list_file
    from shared.aml.loaders import LoadError
    from shared.aml.store import FileListStore

    store = FileListStore()
    t0 = time.perf_counter()
    last = [0.0]

    def progress(n_ent: int, n_alias: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 1.0:
            last[0] = now
            sys.stderr.write(f"\r  {n_ent:,} entities, {n_alias:,} names ({now - t0:.0f}s)")
            sys.stderr.flush()

    try:
        version, changed = load_list_file(store, args.file, args.format, args.list_name, progress)
    except (LoadError, ValueError, OSError) as exc:
        sys.stderr.write(f"\nload failed, previous version kept: {exc}\n")
        return 2
    sys.stderr.write("\n")
    out = version.model_dump() | {"changed": changed, "seconds": round(time.perf_counter() - t0, 2)}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        state = "loaded" if changed else "unchanged (same file already current)"
        print(
            f"{version.list}: {state} version {version.id}: {version.entity_count} entities, "
            f"{version.alias_count} names, published {version.published}, "
            f"sha256 {version.sha256[:16]}… in {out['seconds']}s"
        )
    return 0


def run_lists(args: argparse.Namespace) -> int:
    from shared.aml.store import FileListStore

    store = FileListStore()
    versions = store.versions() if args.all else list(store.current_versions().values())
    if args.json:
        print(json.dumps([v.model_dump() for v in versions], indent=2))
    else:
        if not versions:
            print(f"no lists loaded in {store.data_dir}")
        for v in versions:
            print(
                f"{v.list:<16} {v.id}  published {v.published}  {v.entity_count} entities "
                f"{v.alias_count} names  loaded {v.loaded_at}  sha256 {v.sha256[:12]}…"
            )
    return 0
