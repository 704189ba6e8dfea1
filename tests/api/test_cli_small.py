"""Small CLI things integrators hit: outbox codes, demo port, a quiet `up` log."""

from __future__ import annotations

import logging
import socket

from shared.cli.commands.stack import configure_logging
from shared.cli.main import build_parser
from shared.local.demo import run_demo
from shared.messaging.operator_read import code_in


def test_outbox_json_has_the_code():
    assert code_in("Your verification code is 042917. It expires in 10 minutes.") == "042917"
    assert code_in("no code here") is None


def test_demo_takes_a_port_and_refuses_a_taken_one():
    args = build_parser().parse_args(["demo", "--port", "18123"])
    assert args.port == 18123
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        assert run_demo(None, port=taken) == 2  # refused before anything starts


def test_up_does_not_log_every_readiness_poll():
    loggers = [logging.getLogger(n) for n in ("", "httpx", "httpcore")]
    levels = [lg.level for lg in loggers]
    try:
        configure_logging(logging.INFO)
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert logging.getLogger("shared.local.stack").isEnabledFor(logging.INFO)
    finally:  # other tests rely on the default levels
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
