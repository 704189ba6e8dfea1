"""`idmesh broker serve|dead-letters|replay`: run the local broker and manage dead letters."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime

from shared.config import Settings

DEFAULT_STATE = ".idmesh/broker"


def register(subparsers: argparse._SubParsersAction) -> None:
    from shared.broker.__main__ import add_serve_arguments

    parser = subparsers.add_parser("broker", help="the local Knative-compatible broker")
    sub = parser.add_subparsers(dest="broker_command", required=True)

    serve = sub.add_parser("serve", help="run the broker (ingress POST /<namespace>/<broker>)")
    add_serve_arguments(serve)
    serve.set_defaults(func=_serve)

    state_default = Settings.from_env().broker_state
    dead = sub.add_parser("dead-letters", help="list the events that could not be delivered")
    dead.add_argument("--state", default=state_default)
    dead.add_argument("--all", action="store_true", help="include dead letters already replayed")
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(func=_dead_letters)

    replay = sub.add_parser("replay", help="deliver dead letters again to their Trigger")
    replay.add_argument("id", nargs="?", type=int, help="dead letter id (see dead-letters)")
    replay.add_argument("--all", action="store_true", help="every dead letter not yet replayed")
    replay.add_argument("--state", default=state_default)
    replay.set_defaults(func=_replay)


def _serve(args: argparse.Namespace) -> int:
    from shared.broker.__main__ import serve

    return serve(args)


def _store(state: str):
    from shared.broker.store import DB_NAME, Store

    if not os.path.exists(os.path.join(state, DB_NAME)):
        sys.stderr.write(f"no broker state in {state}\n")
        return None
    return Store(state)


def _dead_letters(args: argparse.Namespace) -> int:
    store = _store(args.state)
    if store is None:
        return 2
    try:
        letters = store.dead_letters(include_replayed=args.all)
    finally:
        store.close()
    if args.json:
        sys.stdout.write(json.dumps([d.as_dict() for d in letters], indent=2) + "\n")
        return 0
    if not letters:
        sys.stdout.write("no dead letters\n")
    for d in letters:
        when = datetime.fromtimestamp(d.created_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        replayed = " (replayed)" if d.replayed_at else ""
        sys.stdout.write(
            f"{d.id}\t{when}\t{d.trigger_key}\t{d.event_type}\tevent {d.event_id}\t"
            f"code {d.error_code}\tsink {d.sink_status}{replayed}\n"
        )
    return 0


def _replay(args: argparse.Namespace) -> int:
    if (args.id is None) == (not args.all):
        sys.stderr.write("give a dead letter id or --all\n")
        return 2
    store = _store(args.state)
    if store is None:
        return 2
    try:
        ids = store.replay(None if args.all else [args.id])
    except KeyError as exc:
        sys.stderr.write(f"{exc.args[0]}\n")
        return 1
    finally:
        store.close()
    sys.stdout.write(f"replayed {len(ids)} dead letter(s): {', '.join(map(str, ids))}\n")
    return 0
