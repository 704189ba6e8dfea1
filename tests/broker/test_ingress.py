"""Broker ingress answers as Knative's broker does."""

from __future__ import annotations

import httpx

from tests.broker.helpers import (
    TENANT_A,
    TENANT_B,
    binary_event,
    broker_doc,
    structured_event,
    trigger_doc,
    write_manifests,
    write_services,
)


def _setup(tmp_path, subscribers, start_broker, tenant=TENANT_A):
    sub = subscribers()
    write_manifests(
        tmp_path / "manifests",
        [
            broker_doc("tenant-a", tenant),
            trigger_doc("tenant-a", "all", {"uri": sub.url}),
        ],
    )
    write_services(tmp_path / "services.json", {})
    return sub, start_broker()


def test_binary_mode_accepted_and_delivered(tmp_path, subscribers, start_broker):
    sub, broker = _setup(tmp_path, subscribers, start_broker)
    headers, body = binary_event(ev_id="bin-1", sessionid="s-1")
    r = httpx.post(broker.ingress_url("tenant-a"), headers=headers, content=body)
    assert r.status_code == 202
    (got,) = sub.wait_for(1)
    assert got.ce["id"] == "bin-1"
    assert got.ce["tenantid"] == TENANT_A
    assert got.ce["sessionid"] == "s-1"
    assert got.headers["prefer"] == "reply"
    assert "knativebrokerttl" not in got.ce  # removed before the subscriber, as Knative does
    assert "time" not in got.ce  # attributes forwarded as received (none invented)
    assert got.body == body


def test_structured_mode_accepted_and_delivered(tmp_path, subscribers, start_broker):
    sub, broker = _setup(tmp_path, subscribers, start_broker)
    headers, body = structured_event(checktype="email")
    r = httpx.post(broker.ingress_url("tenant-a"), headers=headers, content=body)
    assert r.status_code == 202
    (got,) = sub.wait_for(1)
    assert got.ce["checktype"] == "email"
    assert httpx.Response(200, content=got.body).json() == {"n": 2}


def test_malformed_events_get_400_with_reason(tmp_path, subscribers, start_broker):
    _, broker = _setup(tmp_path, subscribers, start_broker)
    url = broker.ingress_url("tenant-a")
    cases = [
        ({"content-type": "application/json"}, b"{}"),  # no CloudEvent at all
        ({"content-type": "application/cloudevents+json"}, b"{not json"),
        ({"ce-specversion": "1.0", "ce-id": "x", "ce-source": "/s"}, b"{}"),  # no type
        (
            {
                "ce-specversion": "1.0",
                "ce-id": "x",
                "ce-type": "t",
                "ce-source": "/s",
                "ce-tenantid": TENANT_A,
                "ce-bad_name": "1",
            },
            b"{}",
        ),
    ]
    for headers, body in cases:
        r = httpx.post(url, headers=headers, content=body)
        assert r.status_code == 400, (headers, r.text)
        assert r.json()["detail"]


def test_unknown_broker_404_and_paths(tmp_path, subscribers, start_broker):
    _, broker = _setup(tmp_path, subscribers, start_broker)
    headers, body = binary_event()
    assert (
        httpx.post(broker.ingress_url("tenant-zz"), headers=headers, content=body).status_code
        == 404
    )
    assert httpx.post(broker.url + "/", headers=headers, content=body).status_code == 404
    assert httpx.post(broker.url + "/a/b/c", headers=headers, content=body).status_code == 400


def test_methods(tmp_path, subscribers, start_broker):
    _, broker = _setup(tmp_path, subscribers, start_broker)
    url = broker.ingress_url("tenant-a")
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = httpx.request(method, url)
        assert r.status_code == 405, method
        assert "POST" in r.headers["allow"]
    r = httpx.options(url)
    assert r.status_code == 200 and "POST" in r.headers["allow"]


def test_health_ready_metrics(tmp_path, subscribers, start_broker):
    sub, broker = _setup(tmp_path, subscribers, start_broker)
    assert httpx.get(broker.url + "/healthz").status_code == 200
    assert httpx.get(broker.url + "/readyz").status_code == 200
    headers, body = binary_event()
    httpx.post(broker.ingress_url("tenant-a"), headers=headers, content=body)
    sub.wait_for(1)
    text = httpx.get(broker.url + "/metrics").text
    assert 'idmesh_broker_events_accepted_total{broker="default",namespace="tenant-a"} 1' in text
    assert "idmesh_broker_dead_letters_total 0" in text


def test_tenant_guard(tmp_path, subscribers, start_broker):
    sub, broker = _setup(tmp_path, subscribers, start_broker, tenant=TENANT_A)
    url = broker.ingress_url("tenant-a")
    r = httpx.post(url, headers=binary_event(tenant=TENANT_B)[0], content=b"{}")
    assert r.status_code == 400 and "tenant" in r.json()["detail"]
    r = httpx.post(url, headers=binary_event(tenant=None)[0], content=b"{}")
    assert r.status_code == 400
    r = httpx.post(url, headers=binary_event(tenant=TENANT_A.upper())[0], content=b"{}")
    assert r.status_code == 202
    assert len(sub.wait_for(1)) == 1


def test_tenant_events_never_reach_another_tenants_broker(tmp_path, subscribers, start_broker):
    sub_a, sub_b = subscribers(), subscribers()
    write_manifests(
        tmp_path / "manifests",
        [
            broker_doc("tenant-a", TENANT_A),
            trigger_doc("tenant-a", "all", {"uri": sub_a.url}),
            broker_doc("tenant-b", TENANT_B),
            trigger_doc("tenant-b", "all", {"uri": sub_b.url}),
        ],
    )
    broker = start_broker()
    h_a, body = binary_event(tenant=TENANT_A)
    assert httpx.post(broker.ingress_url("tenant-b"), headers=h_a, content=body).status_code == 400
    assert httpx.post(broker.ingress_url("tenant-a"), headers=h_a, content=body).status_code == 202
    sub_a.wait_for(1)
    h_b, body = binary_event(tenant=TENANT_B)
    assert httpx.post(broker.ingress_url("tenant-b"), headers=h_b, content=body).status_code == 202
    (got,) = sub_b.wait_for(1)
    assert got.ce["tenantid"] == TENANT_B
    assert all(r.ce["tenantid"] == TENANT_A for r in sub_a.received)


def test_manifest_changes_are_picked_up(tmp_path, subscribers, start_broker):
    sub = subscribers()
    write_services(tmp_path / "services.json", {})
    broker = start_broker()
    headers, body = binary_event()
    assert (
        httpx.post(broker.ingress_url("tenant-a"), headers=headers, content=body).status_code == 404
    )
    write_manifests(
        tmp_path / "manifests",
        [broker_doc("tenant-a", TENANT_A), trigger_doc("tenant-a", "t", {"uri": sub.url})],
    )
    headers, body = binary_event()
    assert (
        httpx.post(broker.ingress_url("tenant-a"), headers=headers, content=body).status_code == 202
    )
    sub.wait_for(1)
