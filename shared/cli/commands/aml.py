"""`idmesh aml load FILE --format FORMAT [--list NAME]` and `idmesh aml lists`.

A load reads the list file (the operator's import path: a file on the machine or in the Job's
image/volume) and writes the new version into Postgres as the owner role
(IDMESH_OWNER_DATABASE_URL on a cluster); the aml functions pick it up within
IDMESH_AML_REFRESH_SECONDS."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

SAMPLE_LIST = Path(__file__).resolve().parents[2] / "aml" / "samples" / "demo-list.ftm.json"


def register(subparsers) -> None:
    from shared.aml.loaders import FORMATS

    p = subparsers.add_parser("aml", help="sanctions lists: load and list versions")
    sub = p.add_subparsers(dest="aml_command", required=True)
    load = sub.add_parser("load", help="load a list file as a new version (atomic, idempotent)")
    load.add_argument("file", nargs="?", help="the list file: a path or an https URL")
    load.add_argument("--sha256", help="refuse the file unless its sha256 is this (a pinned list)")
    load.add_argument("--format", choices=sorted(FORMATS))
    load.add_argument(
        "--sample",
        action="store_true",
        help="load the small fictitious list shipped for trying idmesh (not real sanctions: "
        "operators fetch and load the official lists themselves)",
    )
    load.add_argument("--list", dest="list_name", help="list name (default per format)")
    load.add_argument("--json", action="store_true")
    load.add_argument(
        "--no-monitor",
        action="store_true",
        help="do not re-screen enrolled subjects against the changes",
    )
    load.set_defaults(func=run_load)
    lists = sub.add_parser("lists", help="show the current version of every list")
    lists.add_argument("--all", action="store_true", help="every version, not just current")
    lists.add_argument("--json", action="store_true")
    lists.set_defaults(func=run_lists)


def run_load(args: argparse.Namespace) -> int:
    from shared.aml.lists import load_list_file
    from shared.aml.loaders import LoadError

    if args.sample:
        args.file, args.format = SAMPLE_LIST, "ftm-json"
        args.list_name = args.list_name or "idmesh-demo"
    if args.file is None or args.format is None:
        sys.stderr.write("give FILE and --format, or --sample\n")
        return 2
    store = _store(write=True)
    t0 = time.perf_counter()
    before = store.current_versions()
    last = [0.0]

    def progress(n_ent: int, n_alias: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 1.0:
            last[0] = now
            sys.stderr.write(f"\r  {n_ent:,} entities, {n_alias:,} names ({now - t0:.0f}s)")
            sys.stderr.flush()

    from shared.aml.lists import file_sha256
    from shared.cli.fetch import local_file

    try:
        with local_file(args.file) as path:
            if args.sha256 and file_sha256(path) != args.sha256.lower():
                raise ValueError(f"{args.file} does not have the pinned sha256 {args.sha256}")
            version, changed = load_list_file(
                store, path, args.format, args.list_name, progress, source=str(args.file)
            )
    except (LoadError, ValueError, OSError, httpx.HTTPError) as exc:
        sys.stderr.write(f"\nload failed, previous version kept: {exc}\n")
        return 2
    sys.stderr.write("\n")
    out = version.model_dump() | {"changed": changed, "seconds": round(time.perf_counter() - t0, 2)}
    if changed and not args.no_monitor:
        previous = before.get(version.list)
        out["monitoring"] = _monitor(store, version, previous.id if previous else None)
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


def _monitor(store, version, previous_id: str | None) -> dict:
    """Re-screen enrolled subjects against what changed, when the database is running."""
    import psycopg

    from shared.aml.step import monitor_diff
    from shared.config import Settings
    from shared.db.bootstrap import database_urls
    from shared.platform import Platform

    settings = Settings.from_env()
    try:
        urls = database_urls(settings, start=False)
    except RuntimeError:
        return {"skipped": "no database (idmesh db start)"}
    try:
        psycopg.connect(urls.jobs, connect_timeout=2).close()
    except psycopg.OperationalError:
        return {"skipped": "database not running"}
    # Monitoring starts from a cross-tenant look-up only the jobs' role may call.
    platform = Platform.for_jobs(settings.model_copy(update={"jobs_database_url": urls.jobs}))
    try:
        diff = store.diff(version.list, previous_id, version.id)
        out = monitor_diff(platform, diff)
        sys.stderr.write(
            f"monitoring: {len(diff.added)} added, {len(diff.changed)} changed "
            f"entries re-screened against {out['subjects']} subjects of "
            f"{out['tenants']} tenants: {out['hits']} new hit(s)\n"
        )
        return out
    finally:
        platform.db.close()


def _store(write: bool = False):
    """The list store on Postgres: as the owner role for a load (the only role that writes
    lists), else as the application role."""
    from shared.aml.store import PgListStore
    from shared.config import Settings
    from shared.db.function_role import operator_database_url, process_database_url

    settings = Settings.from_env()
    url = operator_database_url(settings) if write else process_database_url(settings)
    return PgListStore(url, refresh_seconds=0)


def run_lists(args: argparse.Namespace) -> int:
    store = _store()
    versions = store.versions() if args.all else list(store.current_versions().values())
    if args.json:
        print(json.dumps([v.model_dump() for v in versions], indent=2))
    else:
        if not versions:
            print("no lists loaded (idmesh aml load FILE --format FORMAT)")
        for v in versions:
            print(
                f"{v.list:<16} {v.id}  published {v.published}  {v.entity_count} entities "
                f"{v.alias_count} names  loaded {v.loaded_at}  sha256 {v.sha256[:12]}…"
            )
    return 0
