"""The fault benchmark in small (issue 13): concurrent sessions on the running stack while
one of each fault hits it (a function and the broker SIGKILLed, the relay crashed, Postgres
restarted): every session decided exactly once, exactly one webhook each, none lost.
`./dev bench faults` runs it larger on a fresh stack and prints the figures."""

from __future__ import annotations

from bench.faults.run import run_faults


def test_sessions_survive_every_kind_of_fault(stack, pg):
    report = run_faults(
        stack,
        pg.urls.admin_db,
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
