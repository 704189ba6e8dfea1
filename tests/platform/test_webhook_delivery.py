"""Webhook delivery over real HTTP (issue 13): retries follow the current endpoint, secret
rotation through `PUT /v1/webhook` (both signatures valid, checked with the
`standardwebhooks` package), no URL secrets in any log, one address policy applied to the
address actually connected to.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks import Webhook

from events import SESSION_DECIDED, build_event
from shared.platform import Platform
from shared.webhooks.address_policy import address_problem
from shared.webhooks.delivery import SHORT_NAMES, attempt
from shared.webhooks.endpoint import get_endpoint, set_endpoint, url_problem
from shared.webhooks.intake import payload_for
from tests.conftest import SIMPLE_WORKFLOW, PgStack, function_process, tenant_on


class Receiver:
    """A real HTTP endpoint answering `status`, keeping what it got."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.got: list[tuple[dict[str, str], bytes, str]] = []
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                me.got.append(({k.lower(): v for k, v in self.headers.items()}, body, self.path))
                self.send_response(me.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *a) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/hook", userinfo: str = "", host: str = "127.0.0.1") -> str:
        return f"http://{userinfo}{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receivers() -> Iterator:
    made: list[Receiver] = []

    def make(status: int = 204) -> Receiver:
        made.append(Receiver(status))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(scope="module")
def dev_api(pg: PgStack) -> Iterator[httpx.Client]:
    """An API that lets webhooks target loopback (local development mode)."""
    with (
        function_process(pg, name="api-webhooks", webhook_allow_private="true") as url,
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        yield c


def _platform(pg: PgStack, allow_private: bool) -> Platform:
    return Platform.from_settings(
        pg.settings.model_copy(
            update={"app_database_url": pg.urls.app, "webhook_allow_private": allow_private}
        )
    )


def _tenant_id(api: httpx.Client, key: dict[str, str]) -> str:
    return api.get("/v1/tenant", headers=key).json()["tenant_id"]


def _real_session(api: httpx.Client, key: dict[str, str]) -> str:
    """A live session of the tenant: the delivery log lists only deliveries of sessions the
    key's mode (live/test) can see."""
    wf = api.post("/v1/workflows", headers=key, json=SIMPLE_WORKFLOW).json()["id"]
    return api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()["session_id"]


def _delivery(platform: Platform, tenant_id: str, session_id: str | None = None) -> str:
    """A pending delivery to the tenant's endpoint, as the intake records one for an event
    Postgres recorded (the intake's own checks: tests/platform/test_forged_events.py)."""
    ev = build_event(
        SESSION_DECIDED,
        {
            "session_id": session_id or str(uuid.uuid4()),
            "status": "approved",
            "rule": "all_passed",
        },
        tenant_id,
        "orchestrator",
    )
    with platform.db.tenant(tenant_id) as conn:
        endpoint = get_endpoint(conn, platform.cipher(conn, tenant_id))
        assert endpoint is not None
        row = conn.execute(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_type, session_id, "
            "payload, url, next_attempt) VALUES (%s, %s, %s, %s, %s, %s, "
            # Not due for the relay's retries (a running stack's relay would race the test
            # for the row); `attempt` takes it by id.
            "now() + interval '1 hour') RETURNING id",
            (
                tenant_id,
                ev["id"],
                SHORT_NAMES[ev["type"]],  # as the intake records it
                ev.data["session_id"],
                json.dumps(payload_for(ev["type"], ev.data)),
                endpoint.url,
            ),
        ).fetchone()
    return str(row["id"])


def _verify(secret: str, got: tuple[dict[str, str], bytes, str]) -> None:
    headers, body, _ = got
    Webhook(secret).verify(body, headers)  # raises when no signature matches


def test_retry_follows_put_webhook_and_both_secrets_verify(dev_api, pg, receivers, monkeypatch):
    # Retries far in the future: only this test attempts its delivery.
    monkeypatch.setenv("IDMESH_WEBHOOK_BACKOFF_SCALE", "100")
    old, new = receivers(503), receivers(204)
    key = tenant_on(dev_api, pg, "Rotate Co")
    tid = _tenant_id(dev_api, key)
    r = dev_api.put("/v1/webhook", headers=key, json={"url": old.url()})
    assert r.status_code == 200, r.text
    secret1 = r.json()["secret"]
    platform = _platform(pg, allow_private=True)
    with httpx.Client() as client:
        delivery = _delivery(platform, tid, _real_session(dev_api, key))
        assert attempt(platform, tid, delivery, client) == "pending"
        assert len(old.got) == 1
        _verify(secret1, old.got[0])
        r = dev_api.put("/v1/webhook", headers=key, json={"url": new.url("/new")})
        secret2 = r.json()["secret"]
        assert secret2 != secret1
        assert attempt(platform, tid, delivery, client) == "delivered"
    assert len(old.got) == 1, "the retry went to the old URL"
    (got,) = new.got
    assert got[2] == "/new"
    # Rotation: signed with the new secret and, for 24 hours, the old one as well.
    _verify(secret2, got)
    _verify(secret1, got)
    assert len(got[0]["webhook-signature"].split()) == 2
    rows = dev_api.get("/v1/webhook/deliveries", headers=key).json()["items"]
    (row,) = [d for d in rows if d["id"] == delivery]
    assert row["url"] == new.url("/new") and row["status"] == "delivered"
    assert [a["status_code"] for a in row["attempt_log"]] == [503, 204]
    assert dev_api.get("/v1/webhook", headers=key).json()["rotating"] is True
    platform.db.close()


def test_url_secrets_never_logged(dev_api, pg, receivers, caplog):
    rec = receivers(204)
    key = tenant_on(dev_api, pg, "Secret Co")
    tid = _tenant_id(dev_api, key)
    url = rec.url("/hook?token=Qtok3nQ", userinfo="alice:Pa55wQrd@")
    assert dev_api.put("/v1/webhook", headers=key, json={"url": url}).status_code == 200
    platform = _platform(pg, allow_private=True)
    caplog.set_level(logging.DEBUG)
    with httpx.Client() as client:
        assert attempt(platform, tid, _delivery(platform, tid), client) == "delivered"
    dead = receivers(204)
    dead.close()  # a connection error is logged with the URL too
    dead_url = dead.url("/x?token=Qtok3nQ", userinfo="alice:Pa55wQrd@")
    dev_api.put("/v1/webhook", headers=key, json={"url": dead_url})
    with httpx.Client() as client:
        assert attempt(platform, tid, _delivery(platform, tid), client) == "pending"
    text = caplog.text
    assert "HTTP Request" in text and "webhook to" in text  # the log lines exist
    for secret in ("Qtok3nQ", "Pa55wQrd", "alice"):
        assert secret not in text
    # The credentials still reach the receiver (Basic auth), and the query its path.
    headers, _, path = rec.got[0]
    assert headers["authorization"] == "Basic " + base64.b64encode(b"alice:Pa55wQrd").decode()
    assert path == "/hook?token=Qtok3nQ"
    # Nor in the audit trail of PUT /v1/webhook.
    with pg.admin() as conn:
        details = conn.execute(
            "SELECT string_agg(details::text, ' ') AS d FROM audit_log WHERE tenant_id = %s",
            (tid,),
        ).fetchone()["d"]
    assert "Qtok3nQ" not in details and "Pa55wQrd" not in details
    platform.db.close()


REFUSED = [
    "100.64.0.1",
    "100.100.100.200",  # Alibaba Cloud metadata
    "169.254.169.254",  # AWS/GCP/Azure metadata
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
    "2002:a00:1::",  # 6to4 wrapping 10.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 wrapping 169.254.169.254
    "::ffff:127.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 wrapping the metadata address
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo wrapping 127.0.0.1 (client)
    "10.1.2.3",
    "127.0.0.1",
    "::1",
    "fd00::1",
    "fe80::1",
    "0.0.0.0",
    "192.168.1.1",
    "198.18.0.1",
    "fd00:ec2::254",
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "2002:5db8:d822::"]


@pytest.mark.parametrize("address", REFUSED)
def test_address_policy_refuses(address):
    assert address_problem(ipaddress.ip_address(address)), address


@pytest.mark.parametrize("address", ALLOWED)
def test_address_policy_allows_public(address):
    assert address_problem(ipaddress.ip_address(address)) is None


def test_url_problem_with_the_guard_on():
    def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    assert url_problem("https://hooks.example.com/x", False, public) is None
    assert "https" in url_problem("http://hooks.example.com/x", False, public)
    assert url_problem("https://hooks.example.com/x", False, mixed)  # any private address
    assert url_problem("https://localhost/x", False)  # resolves to loopback
    assert url_problem("https://[2002:7f00:1::]/x", False)
    assert url_problem("https://100.100.100.200/latest/meta-data", False)
    assert url_problem("https://user:pw@127.0.0.1:8443/x?token=1", False)
    assert url_problem("https://no-such-host.invalid/x", False) == "the host does not resolve"


def test_put_webhook_refuses_private_targets_with_the_guard_on(client, register):
    t = register("Guard Co")
    for url in (
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://100.100.100.200/hook",
        "https://[2002:a9fe:a9fe::]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "http://93.184.216.34/hook",
    ):
        r = client.put("/v1/webhook", headers=t.headers, json={"url": url})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["errors"][0]["pointer"] == "/url"


def test_delivery_checks_the_address_it_connects_to(dev_api, pg, receivers):
    """Guard on: a stored endpoint now pointing at loopback is not contacted. Guard off
    (development): the host is resolved once and that address is the one connected to."""
    rec = receivers(204)
    key = tenant_on(dev_api, pg, "Rebind Co")
    tid = _tenant_id(dev_api, key)
    guarded = _platform(pg, allow_private=False)
    with guarded.db.tenant(tid) as conn:
        set_endpoint(conn, guarded.cipher(conn, tid), rec.url(), ["session.decided"])
    with httpx.Client() as client:
        delivery = _delivery(guarded, tid, _real_session(dev_api, key))
        assert attempt(guarded, tid, delivery, client) == "pending"
    assert rec.got == []
    row = [d for d in dev_api.get("/v1/webhook/deliveries", headers=key).json()["items"]]
    assert "https" in row[0]["attempt_log"][0]["error"]
    guarded.db.close()

    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    dev = _platform(pg, allow_private=True)
    with dev.db.tenant(tid) as conn:
        url = rec.url(host="rebind.invalid")  # does not resolve in real DNS
        set_endpoint(conn, dev.cipher(conn, tid), url, ["session.decided"])
    with httpx.Client() as client:
        assert attempt(dev, tid, _delivery(dev, tid), client, resolver=resolver) == "delivered"
    assert calls == ["rebind.invalid"]
    assert rec.got[0][0]["host"] == f"rebind.invalid:{rec.port}"
    dev.db.close()
