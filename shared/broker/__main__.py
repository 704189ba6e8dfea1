"""`python -m shared.broker --port P --manifests DIR --services FILE --state DIR`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    from shared.config import Settings

    s = Settings.from_env()
    parser.add_argument("--host", default=s.broker_host)
    parser.add_argument("--port", type=int, default=s.broker_port)
    parser.add_argument(
        "--manifests",
        default=s.broker_manifests or None,
        help="directory of Knative YAML (Brokers, Triggers); re-read on change",
    )
    parser.add_argument(
        "--services",
        default=s.broker_services or None,
        help='JSON file {"<service>": "http://127.0.0.1:PORT"}; re-read on change',
    )
    parser.add_argument(
        "--state",
        default=s.broker_state,
        help="directory of the SQLite state (accepted events, deliveries)",
    )
    parser.add_argument("--workers", type=int, default=s.broker_workers)
    parser.add_argument("--log-level", default=s.log_level)
    parser.add_argument("--log-format", default=s.log_format)


def broker_auth():
    """Sender authentication from the settings (IDMESH_OIDC_ISSUER_URL etc.); None when no
    issuer is configured (the broker then accepts unauthenticated senders, as Knative does
    with `authentication-oidc` disabled, and says so in the log)."""
    from shared.broker.broker import BrokerAuth
    from shared.config import Settings
    from shared.workload.wiring import jwks_for, token_source

    settings = Settings.from_env()
    if not settings.oidc_issuer_url:
        logging.getLogger(__name__).warning("no OIDC issuer: senders are not authenticated")
        return None
    return BrokerAuth(jwks_for(settings), token_source(settings))


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
        auth=broker_auth(),
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
