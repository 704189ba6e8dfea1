"""Delivery: filters, retries with backoff, dead-letter sink, replies and the TTL guard."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from shared.broker.store import Store
from tests.broker.helpers import (
    TENANT_A,
    binary_event,
    service_ref,
    trigger_doc,
    wait_until,
    write_broker,
    write_one_trigger,
    write_services,
)

NS = "tenant-a"


def _post(broker, **kwargs):
    headers, body = binary_event(**kwargs)
    r = httpx.post(broker.ingress_url(NS), headers=headers, content=body)
    assert r.status_code == 202, r.text
    return headers["ce-id"]


def test_attribute_and_dialect_filters(tmp_path, subscribers, start_broker):
    subs = {
        name: subscribers()
        for name in (
            "exact",
            "empty",
            "prefix",
            "suffix",
            "any",
            "not",
            "all",
            "dual",
            "legacy_vs_new",
        )
    }
    triggers = [
        trigger_doc(
            NS,
            "exact",
            {"uri": subs["exact"].url},
            attributes={"type": "io.idmesh.check.requested.v1", "checktype": "email"},
        ),
        trigger_doc(NS, "empty", {"uri": subs["empty"].url}, attributes={"checktype": ""}),
        trigger_doc(
            NS,
            "prefix",
            {"uri": subs["prefix"].url},
            filters=[{"prefix": {"type": "io.idmesh.session."}}],
        ),
        trigger_doc(
            NS, "suffix", {"uri": subs["suffix"].url}, filters=[{"suffix": {"type": ".decided.v1"}}]
        ),
        trigger_doc(
            NS,
            "any",
            {"uri": subs["any"].url},
            filters=[
                {"any": [{"exact": {"checktype": "email"}}, {"exact": {"checktype": "phone"}}]}
            ],
        ),
        trigger_doc(
            NS,
            "not",
            {"uri": subs["not"].url},
            filters=[{"not": {"prefix": {"type": "io.idmesh.check."}}}],
        ),
        trigger_doc(
            NS,
            "all",
            {"uri": subs["all"].url},
            filters=[
                {
                    "all": [
                        {"prefix": {"type": "io.idmesh.check."}},
                        {"exact": {"checktype": "phone"}},
                    ]
                }
            ],
        ),
        # Two dialects in one entry: Knative's webhook refuses it, so it is never loaded.
        trigger_doc(
            NS,
            "dual",
            {"uri": subs["dual"].url},
            filters=[{"exact": {"type": "x"}, "prefix": {"type": "io."}}],
        ),
        # `filters` wins over `filter` when both are set.
        trigger_doc(
            NS,
            "legacy_vs_new",
            {"uri": subs["legacy_vs_new"].url},
            attributes={"type": "never"},
            filters=[{"exact": {"type": "io.idmesh.session.decided.v1"}}],
        ),
    ]
    write_broker(tmp_path / "manifests", NS, *triggers)
    broker = start_broker()
    assert any("dual" in e and "multiple dialects" in e for e in broker.topology.errors)
    _post(broker, ev_type="io.idmesh.check.requested.v1", checktype="email")
    _post(broker, ev_type="io.idmesh.check.requested.v1", checktype="phone")
    _post(broker, ev_type="io.idmesh.session.decided.v1")
    expected = {
        "exact": 1,
        "empty": 2,
        "prefix": 1,
        "suffix": 1,
        "any": 2,
        "not": 1,
        "all": 1,
        "dual": 0,
        "legacy_vs_new": 1,
    }
    for name, n in expected.items():
        if n:
            subs[name].wait_for(n)
    wait_until(
        lambda: (
            broker.store.counts().get("pending", 0) == 0
            and broker.store.counts().get("inflight", 0) == 0
        )
    )
    got = {name: len(s.received) for name, s in subs.items()}
    assert got == expected


@pytest.mark.parametrize("policy,delay", [("linear", 0.1), ("exponential", 0.05)])
def test_fails_three_times_then_succeeds(tmp_path, subscribers, start_broker, policy, delay):
    sub = subscribers(lambda n, r: (500, {}, b"boom") if n < 3 else (202, {}, b""))
    dls = subscribers()
    write_one_trigger(
        tmp_path / "manifests",
        NS,
        {"uri": sub.url},
        {
            "retry": 5,
            "backoffPolicy": policy,
            "backoffDelay": f"PT{delay}S",
            "deadLetterSink": {"uri": dls.url},
        },
    )
    broker = start_broker()
    ev_id = _post(broker)
    got = sub.wait_for(4)
    assert [r.ce["id"] for r in got] == [ev_id] * 4
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    expected = [delay * n if policy == "linear" else delay * 2**n for n in (1, 2, 3)]
    for gap, want in zip(gaps, expected, strict=True):
        assert gap >= want * 0.95, (gaps, expected)
    wait_until(lambda: broker.metrics.value("idmesh_broker_deliveries_total") == 1)
    assert broker.metrics.value("idmesh_broker_retries_total") == 3
    assert dls.received == []


def test_always_failing_goes_to_dead_letter_sink(tmp_path, subscribers, start_broker):
    sub = subscribers(lambda n, r: (503, {}, b"service unavailable: model not loaded"))
    dls = subscribers()
    write_one_trigger(
        tmp_path / "manifests",
        NS,
        {"uri": sub.url},
        {
            "retry": 2,
            "backoffPolicy": "linear",
            "backoffDelay": "PT0.05S",
            "deadLetterSink": {"ref": service_ref("dead-letters")},
        },
    )
    write_services(tmp_path / "services.json", {"dead-letters": dls.url})
    broker = start_broker()
    ev_id = _post(broker, sessionid="s-9")
    (dead,) = dls.wait_for(1)
    assert len(sub.received) == 3  # first attempt + 2 retries
    assert dead.ce["id"] == ev_id
    assert dead.ce["sessionid"] == "s-9"
    assert dead.ce["knativeerrorcode"] == "503"
    assert dead.ce["knativeerrordest"] == sub.url
    assert base64.b64decode(dead.ce["knativeerrordata"]) == b"service unavailable: model not loaded"
    (letter,) = wait_until(lambda: broker.store.dead_letters())
    assert letter.sink_status == "delivered" and letter.error_code == 503


def test_non_retryable_4xx_is_final(tmp_path, subscribers, start_broker):
    sub = subscribers(lambda n, r: (400, {}, b"bad event"))
    dls = subscribers()
    write_one_trigger(
        tmp_path / "manifests",
        NS,
        {"uri": sub.url},
        {
            "retry": 5,
            "backoffDelay": "PT0.05S",
            "deadLetterSink": {"uri": dls.url},
        },
    )
    broker = start_broker()
    _post(broker)
    (dead,) = dls.wait_for(1)
    assert len(sub.received) == 1
    assert dead.ce["knativeerrorcode"] == "400"


@pytest.mark.parametrize("code", [404, 408, 409, 429, 500, 502])
def test_retryable_codes(tmp_path, subscribers, start_broker, code):
    sub = subscribers(lambda n, r: (code, {}, b"") if n == 0 else (202, {}, b""))
    write_one_trigger(
        tmp_path / "manifests", NS, {"uri": sub.url}, {"retry": 1, "backoffDelay": "PT0.01S"}
    )
    broker = start_broker()
    _post(broker)
    assert len(sub.wait_for(2)) == 2


def test_non_cloudevent_body_is_a_failure(tmp_path, subscribers, start_broker):
    """functions-framework's `@cloud_event` answers "OK": Knative turns that into 502."""
    sub = subscribers(lambda n, r: (200, {"Content-Type": "text/plain"}, b"OK"))
    write_one_trigger(
        tmp_path / "manifests", NS, {"uri": sub.url}, {"retry": 1, "backoffDelay": "PT0.01S"}
    )
    broker = start_broker()
    _post(broker)
    sub.wait_for(2)
    (letter,) = wait_until(lambda: broker.store.dead_letters())
    assert letter.error_code == 502 and letter.sink_status == "no-sink"


def _reply(ev_type: str, tenant: str = TENANT_A, status: int = 200):
    def respond(n, req):
        headers = {
            "ce-specversion": "1.0",
            "ce-id": f"reply-{n}",
            "ce-source": "/idmesh/replier",
            "ce-type": ev_type,
            "ce-tenantid": tenant,
            "Content-Type": "application/json",
        }
        return status, headers, json.dumps({"from": req.ce["id"]}).encode()

    return respond


def test_reply_is_reingested(tmp_path, subscribers, start_broker):
    first = subscribers(_reply("io.idmesh.check.completed.v1"))
    second = subscribers()
    write_broker(
        tmp_path / "manifests",
        NS,
        trigger_doc(
            NS,
            "requests",
            {"uri": first.url},
            attributes={"type": "io.idmesh.check.requested.v1"},
        ),
        trigger_doc(
            NS,
            "completions",
            {"uri": second.url},
            attributes={"type": "io.idmesh.check.completed.v1"},
        ),
    )
    broker = start_broker()
    ev_id = _post(broker, ev_type="io.idmesh.check.requested.v1")
    (got,) = second.wait_for(1)
    assert got.ce["id"] == "reply-0"
    assert json.loads(got.body) == {"from": ev_id}
    assert broker.metrics.value("idmesh_broker_replies_total") == 1


def _replier_and_listener(tmp_path, subscribers, start_broker, respond):
    """`first` answers each test event with `respond`; `second` listens for completions.
    One test event is posted; (first, second, broker)."""
    first = subscribers(respond)
    second = subscribers()
    write_broker(
        tmp_path / "manifests",
        NS,
        trigger_doc(NS, "a", {"uri": first.url}, attributes={"type": "io.idmesh.test.v1"}),
        trigger_doc(
            NS, "b", {"uri": second.url}, attributes={"type": "io.idmesh.check.completed.v1"}
        ),
    )
    broker = start_broker()
    _post(broker)
    return first, second, broker


def test_reply_in_202_is_ignored(tmp_path, subscribers, start_broker):
    first, second, broker = _replier_and_listener(
        tmp_path, subscribers, start_broker, _reply("io.idmesh.check.completed.v1", status=202)
    )
    first.wait_for(1)
    wait_until(lambda: broker.metrics.value("idmesh_broker_deliveries_total") == 1)
    assert second.received == []


def test_reply_of_another_tenant_is_refused(tmp_path, subscribers, start_broker):
    from tests.broker.helpers import TENANT_B

    _, second, broker = _replier_and_listener(
        tmp_path, subscribers, start_broker, _reply("io.idmesh.check.completed.v1", tenant=TENANT_B)
    )
    (letter,) = wait_until(lambda: broker.store.dead_letters())
    assert letter.error_code == 502
    assert b"tenant" in base64.b64decode(letter.error_data)
    assert second.received == []


def test_ttl_loop_guard(tmp_path, subscribers, start_broker):
    # The subscriber answers every event with an event it is subscribed to itself: a loop.
    looper = subscribers(_reply("io.idmesh.test.v1"))
    write_broker(
        tmp_path / "manifests",
        NS,
        trigger_doc(NS, "loop", {"uri": looper.url}, attributes={"type": "io.idmesh.test.v1"}),
    )
    broker = start_broker()
    _post(broker, knativebrokerttl="5")  # ingress makes it 4; replies get 3, 2, 1, then 0
    looper.wait_for(4)
    wait_until(lambda: broker.metrics.value("idmesh_broker_ttl_dropped_total") == 1)
    assert len(looper.received) == 4
    # An event arriving with TTL 1 is refused by the ingress itself.
    headers, body = binary_event(knativebrokerttl="1")
    r = httpx.post(broker.ingress_url(NS), headers=headers, content=body)
    assert r.status_code == 400 and "knativebrokerttl" in r.json()["detail"]


def test_default_ttl_is_255(tmp_path, subscribers, start_broker):
    sub = subscribers()
    dls = subscribers()
    write_broker(
        tmp_path / "manifests",
        NS,
        trigger_doc(
            NS, "t", {"uri": sub.url}, delivery={"retry": 0, "deadLetterSink": {"uri": dls.url}}
        ),
    )
    sub.respond = lambda n, r: (500, {}, b"")
    broker = start_broker()
    _post(broker)
    (dead,) = dls.wait_for(1)
    assert dead.ce["knativebrokerttl"] == "255"


def test_replay_dead_letter(tmp_path, subscribers, start_broker):
    healthy = {"ok": False}
    sub = subscribers(lambda n, r: (202, {}, b"") if healthy["ok"] else (500, {}, b"down"))
    write_one_trigger(tmp_path / "manifests", NS, {"uri": sub.url}, {"retry": 0})
    broker = start_broker()
    ev_id = _post(broker)
    (letter,) = wait_until(lambda: broker.store.dead_letters())
    assert letter.event_id == ev_id and letter.sink_status == "no-sink"
    healthy["ok"] = True
    # Replay through a separate Store handle, as `idmesh broker replay` does.
    other = Store(tmp_path / "state")
    assert other.replay([letter.id]) == [letter.id]
    other.close()
    got = sub.wait_for(2)
    assert got[1].ce["id"] == ev_id
    wait_until(lambda: broker.metrics.value("idmesh_broker_deliveries_total") == 1)
    assert broker.store.dead_letters(include_replayed=False) == []


def test_subscriber_ref_resolved_through_services_file(tmp_path, subscribers, start_broker):
    sub = subscribers()
    write_one_trigger(
        tmp_path / "manifests",
        NS,
        {
            "ref": service_ref("orchestrator", "idmesh"),
            "uri": "/events",
        },
        {"retry": 10, "backoffPolicy": "linear", "backoffDelay": "PT0.05S"},
    )
    write_services(tmp_path / "services.json", {})  # not started yet: retried meanwhile
    broker = start_broker()
    _post(broker)
    wait_until(lambda: broker.metrics.value("idmesh_broker_retries_total") >= 1)
    write_services(tmp_path / "services.json", {"orchestrator": sub.url})
    (got,) = sub.wait_for(1)
    assert got.headers.get("host", "").endswith(sub.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("retry_after_max,min_gap", [(None, 0.0), ("PT1S", 0.9)])
def test_retry_after_honoured_only_with_retry_after_max(
    tmp_path, subscribers, start_broker, retry_after_max, min_gap
):
    sub = subscribers(lambda n, r: (429, {"Retry-After": "1"}, b"") if n == 0 else (202, {}, b""))
    delivery = {"retry": 1, "backoffPolicy": "linear", "backoffDelay": "PT0.01S"}
    if retry_after_max:
        delivery["retryAfterMax"] = retry_after_max
    write_one_trigger(tmp_path / "manifests", NS, {"uri": sub.url}, delivery)
    broker = start_broker()
    _post(broker)
    first, second = sub.wait_for(2)
    gap = second.at - first.at
    assert gap >= min_gap
    if retry_after_max is None:
        assert gap < 0.9


def test_slow_subscriber_does_not_block_other_triggers(tmp_path, subscribers, start_broker):
    import time

    slow = subscribers(lambda n, r: (time.sleep(1.5), (202, {}, b""))[1])
    fast = subscribers()
    write_broker(
        tmp_path / "manifests",
        NS,
        trigger_doc(NS, "slow", {"uri": slow.url}),
        trigger_doc(NS, "fast", {"uri": fast.url}),
    )
    broker = start_broker()
    t0 = time.time()
    for _ in range(3):
        _post(broker)
    fast.wait_for(3, timeout=5)
    assert time.time() - t0 < 1.2  # not queued behind the slow subscriber's 1.5 s requests


def test_many_events_many_triggers_each_delivered_once(tmp_path, subscribers, start_broker):
    subs = [subscribers() for _ in range(3)]
    write_broker(
        tmp_path / "manifests",
        NS,
        *(trigger_doc(NS, f"t{i}", {"uri": s.url}) for i, s in enumerate(subs)),
    )
    broker = start_broker()
    ids = [_post(broker) for _ in range(40)]
    for s in subs:
        got = s.wait_for(40)
        assert sorted(r.ce["id"] for r in got) == sorted(ids)
    wait_until(lambda: broker.metrics.value("idmesh_broker_deliveries_total") == 120)
    assert broker.store.counts() == {"done": 120}
