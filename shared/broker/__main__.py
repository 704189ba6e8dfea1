"""`python -m shared.broker --port P --manifests DIR --services FILE --state DIR`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--host", default=env("IDMESH_BROKER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("IDMESH_BROKER_PORT", "8090")))
    parser.add_argument(
        "--manifests",
        default=env("IDMESH_BROKER_MANIFESTS"),
        help="directory of Knative YAML (Brokers, Triggers); re-read on change",
    )
    parser.add_argument(
        "--services",
        default=env("IDMESH_BROKER_SERVICES"),
        help='JSON file {"<service>": "http://127.0.0.1:PORT"}; re-read on change',
    )
    parser.add_argument(
        "--state",
        default=env("IDMESH_BROKER_STATE", ".idmesh/broker"),
        help="directory of the SQLite state (accepted events, deliveries)",
    )
    parser.add_argument("--workers", type=int, default=int(env("IDMESH_BROKER_WORKERS", "8")))
    parser.add_argument("--log-level", default=env("IDMESH_LOG_LEVEL", "INFO"))
    parser.add_argument("--log-format", default=env("IDMESH_LOG_FORMAT", "json"))


def serve(args: argparse.Namespace) -> int:
    from shared.broker.broker import LocalBroker
    from shared.observability.logs import configure_logging

    configure_logging("broker", args.log_level, args.log_format)
    broker = LocalBroker(
        args.manifests,
        args.services,
        args.state,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    broker.start()
    print(f"idmesh broker ready on {broker.url}", flush=True)
    done.wait()
    broker.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.broker", description="idmesh local Knative-compatible broker"
    )
    add_serve_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
