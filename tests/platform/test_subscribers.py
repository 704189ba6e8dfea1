"""A tenant's own subscriber: `idmesh manifests --subscriber` renders a Trigger, the local
stack loads it like `idmesh up --triggers FILE`, and an outside HTTP server (not an idmesh
function) receives the session's decision as a CloudEvent matching the published schema."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jsonschema
import pytest

from events.contract import PUBLIC_EVENT_TYPES, SCHEMAS_DIR, data_schema, schema_text
from shared.cli.main import main as cli
from shared.local.demo import WORKFLOW, code_for
from tests.conftest import register_on, wait_decided


class _Subscriber:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.got = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.received.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                outer.got.set()
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kyc-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture()
def subscriber():
    s = _Subscriber()
    yield s
    s.stop()


def test_published_schemas_match_the_models():
    for t in PUBLIC_EVENT_TYPES:
        assert (SCHEMAS_DIR / f"{t}.json").read_text() == schema_text(t), (
            f"regenerate with python -m events.contract ({t})"
        )


def test_outside_subscriber_receives_the_decision(stack, pg, subscriber, tmp_path, capsys):
    with httpx.Client(base_url=stack.api_url, timeout=30) as api:
        reg = register_on(api, pg, "Sub Co")
        key = {"Authorization": f"Bearer {reg['api_key']}"}
        slug = api.get("/v1/tenant", headers=key).json()["slug"]

        # The same command a tenant's operator runs for a cluster.
        assert (
            cli(
                [
                    "manifests",
                    "--tenant",
                    slug,
                    "--subscriber",
                    subscriber.url,
                    "--types",
                    "io.idmesh.session.decided.v1",
                    "--check",
                ]
            )
            == 0
        )
        trigger_file = tmp_path / "my-subscriber.yaml"
        trigger_file.write_text(capsys.readouterr().out)
        stack.add_trigger_files([trigger_file])

        wf = api.post("/v1/workflows", headers=key, json=WORKFLOW).json()
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf["id"]}).json()
        user = {"Authorization": f"Bearer {s['session_token']}"}
        target = f"u-{uuid.uuid4().hex[:6]}@example.org"
        api.post(
            f"/v1/sessions/{s['session_id']}/email", headers=user, json={"email": target}
        ).raise_for_status()
        phone = "+14155552671"
        api.post(
            f"/v1/sessions/{s['session_id']}/phone", headers=user, json={"phone": phone}
        ).raise_for_status()
        for ch, t in (("email", target), ("phone", phone)):
            api.post(
                f"/v1/sessions/{s['session_id']}/{ch}/check",
                headers=user,
                json={"code": code_for(pg.urls.admin_db, t)},
            ).raise_for_status()
        api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user).raise_for_status()
        done = wait_decided(api, key, s["session_id"])

    assert subscriber.got.wait(30), "the subscriber got nothing"
    decided = [
        r
        for r in subscriber.received
        if r["headers"].get("ce-type") == "io.idmesh.session.decided.v1"
    ]
    assert decided, [r["headers"].get("ce-type") for r in subscriber.received]
    ev = decided[-1]
    assert ev["headers"]["ce-tenantid"] == reg["tenant_id"]
    data = json.loads(ev["body"])
    assert data["session_id"] == s["session_id"] and data["status"] == done["status"]
    jsonschema.validate(data, data_schema("io.idmesh.session.decided.v1"))
    # The registration's platform event went to the platform Broker (the provisioner).
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT published_at FROM outbox WHERE tenant_id = %s AND event_type = %s",
            (reg["tenant_id"], "io.idmesh.tenant.registered.v1"),
        ).fetchone()
    assert row and row["published_at"] is not None
    # Only the subscribed type reaches it.
    assert all(
        r["headers"].get("ce-type") == "io.idmesh.session.decided.v1" for r in subscriber.received
    )


def test_only_triggers_can_be_added(stack, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n")
    with pytest.raises(ValueError, match="only Triggers"):
        stack.add_trigger_files([bad])
