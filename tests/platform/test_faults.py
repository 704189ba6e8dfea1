"""The fault benchmark in small (issue 13): concurrent sessions on the running stack while
one of each fault hits it (a function and the broker SIGKILLed, the relay crashed, Postgres
restarted): every session decided exactly once, exactly one webhook each, none lost.
`./dev bench faults` runs it larger on a fresh stack and prints the figures."""

from __future__ import annotations

import shutil

import pytest

from bench.faults.run import run_faults
from shared.config import Settings
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.stack import Stack
from tests.conftest import make_data_dir


@pytest.fixture()
def own_stack():
    """A stack on its own Postgres: the test restarts the database, which must not take the
    session's shared processes down with it."""
    data_dir = make_data_dir()
    settings = Settings(data_dir=data_dir)
    urls = prepare_database(settings)
    s = Stack(
        settings,
        api_port=free_port(),
        run_name="faults",
        extra_env={
            "IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000",
            "IDMESH_WEBHOOK_BACKOFF_SCALE": "0.02",
        },
    )
    s.start()
    try:
        yield s, urls
    finally:
        s.stop()
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_sessions_survive_every_kind_of_fault(own_stack):
    stack, urls = own_stack
    report = run_faults(
        stack,
        urls.admin_db,
        sessions=6,
        faults=4,
        kinds=["function", "broker", "relay", "postgres"],
        seed=7,
        timeout=180,
    )
    print("\n".join(report.lines()))
    assert sum(report.kills.values()) == 4 and len(report.kills) >= 4, report.kills
    assert report.decided == 6, report.lines()
    assert report.decided_once == 6, dict(report.decided_events)
    assert report.one_webhook == 6, report.webhook_ids
    assert report.lost == 0
