"""`idmesh up` (the local stack in the foreground) and `idmesh demo`."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from shared.config import Settings


def configure_logging(level: int) -> None:
    """The stack's own messages; not one line per HTTP request of the readiness polling
    and health checks (httpx logs every request at INFO)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger().setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _up(args) -> int:
    from shared.local.run_lock import AlreadyRunning
    from shared.local.stack import PortInUse, Stack

    configure_logging(logging.INFO)
    functions = args.functions.split(",") if args.functions else None
    stack = Stack(
        Settings.from_env(),
        api_port=args.port,
        functions=functions,
        trigger_files=args.triggers,
    )
    # SIGTERM while starting stops what was started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
    except (AlreadyRunning, PortInUse) as exc:  # nothing was started: nothing to stop
        sys.stderr.write(f"idmesh up: {exc}\n")
        return 1
    except KeyboardInterrupt:
        stack.stop(stop_database=not args.keep_db)
        return 0
    try:
        for name, secs in sorted(stack.ready_seconds.items()):
            print(f"  {name:<18} {stack.processes[name].spec.url}  ready in {secs:.2f}s")
        print(
            f"idmesh is up: API {stack.api_url}, hosted pages {stack.hosted_url}, "
            f"review console {stack.console_url}, "
            f"broker {stack.broker_url} (Ctrl-C stops)"
        )
        stack.wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop(stop_database=not args.keep_db)
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _demo(args) -> int:
    from shared.local.demo import run_demo

    configure_logging(logging.WARNING)
    return run_demo(Settings.from_env(), keep_running=args.keep_running, port=args.port)


def register(sub) -> None:
    p = sub.add_parser("up", help="run the local stack (Postgres, broker, relay, functions)")
    p.add_argument("--port", type=int, default=8080, help="the API's port")
    p.add_argument("--keep-db", action="store_true", help="leave Postgres running on exit")
    p.add_argument("--functions", default="", help="comma-separated subset (default: all)")
    p.add_argument(
        "--triggers",
        nargs="*",
        default=[],
        type=Path,
        metavar="FILE",
        help="extra Trigger files (a tenant's own subscribers: idmesh manifests --subscriber)",
    )
    p.set_defaults(func=_up)
    d = sub.add_parser("demo", help="a whole verification end to end on this machine")
    d.add_argument("--keep-running", action="store_true")
    d.add_argument(
        "--port", type=int, default=None, help="the API's port (default 8080, else a free one)"
    )
    d.set_defaults(func=_demo)
