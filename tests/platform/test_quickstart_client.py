"""docs/quickstart.md, run with the Python client against the running stack: a tenant,
a signed webhook, a document + selfie + AML workflow, a session with expected data, the
end user's uploads, the decision and the verified webhook."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shared.local.demo import code_for
from shared.local.webhook_receiver import WebhookReceiver
from tests.conftest import idmesh_cli
from tests.documents import generator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "clients" / "python"))

from idmesh_client import ApiError, Client, verify_webhook  # noqa: E402

WORKFLOW = {
    "name": "document, selfie and AML",
    "steps": [
        {"check": "id_document"},
        {"check": "face_match", "after": ["id_document"]},
        {"check": "aml", "after": ["id_document"]},
    ],
}


def test_client_covers_every_operation(stack):
    with Client(stack.api_url) as anon:
        doc = anon.get_openapi()
    ops = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    snake = ["".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_") for op in ops]
    missing = [s for s in snake if not hasattr(Client, s)]
    assert not missing, missing


def test_quickstart_with_the_client(stack, pg, tmp_path):
    idmesh_cli("aml", "load", "--sample", "--no-monitor", data_dir=pg.data_dir, check=True)
    email = "founder@quickstart-fintech.example"
    with Client(stack.api_url) as anon:
        anon.register(email, "Quickstart Fintech")
        api_key = anon.verify_registration(email, code_for(pg.urls.admin_db, email))["api_key"]
    receiver = WebhookReceiver().start()
    try:
        with Client(stack.api_url, api_key) as idm:
            secret = idm.set_webhook(receiver.url, ["session.decided"])["secret"]
            receiver.secret = secret
            with pytest.raises(ApiError) as bad:
                idm.create_workflow({"name": "typo", "steps": [{"check": "aml", "parms": {}}]})
            assert bad.value.status == 422 and bad.value.errors[0]["pointer"] == "/steps/0/parms"
            wf = idm.create_workflow(WORKFLOW)

            generator.main(
                [
                    str(tmp_path),
                    "1",
                    "--portrait",
                    str(ROOT / "tests/faces/data/obama.jpg"),
                    "--selfie",
                ]
            )
            generator.use_portrait(None)
            truth = json.loads((tmp_path / "truth.json").read_text())[0]
            f = truth["fields"]
            expected = {
                "first_name": f["given_names"].title(),
                "last_name": f["surname"].title(),
                "date_of_birth": f["date_of_birth"],
            }
            s = idm.create_session(wf["id"], expected=expected, vendor_data="customer-42")
            user = s["session_token"]
            with pytest.raises(ApiError) as early:
                idm.submit_session(s["session_id"], token=user)
            assert early.value.type.endswith("/missing-artifacts")
            stem = tmp_path / truth["stem"]
            idm.upload_artifact(
                s["session_id"], "document_front", Path(f"{stem}_front.jpg"), token=user
            )
            idm.upload_artifact(s["session_id"], "selfie", Path(f"{stem}_selfie.jpg"), token=user)
            idm.submit_session(s["session_id"], token=user)
            got = idm.wait_for_decision(s["session_id"], timeout=180)
        checks = {c["check"]: c for c in got["checks"]}
        assert got["status"] == "approved", (got["decision"], checks)
        assert got["decision"]["decided_by"] == "rules"
        assert checks["id_document"]["data"]["expected"]["name"]["match"] is True
        assert checks["face_match"]["status"] == "passed"
        assert checks["aml"]["status"] == "passed"
        assert checks["aml"]["data"]["query"]["country"] == "NL"
        assert all(c["score"] is None or 0 <= c["score"] <= 100 for c in checks.values())
        hook = receiver.wait_for(lambda m: m["body"]["data"]["session_id"] == s["session_id"], 30)
        payload = verify_webhook(secret, hook["headers"], hook["raw"])
        assert payload["type"] == "session.decided" and payload["data"]["status"] == "approved"
        assert payload["data"]["vendor_data"] == "customer-42"
        with Client(stack.api_url, api_key) as idm:
            logged = idm.list_webhook_deliveries()
        assert [d["event_type"] for d in logged] == ["session.decided"]  # as in the payload
    finally:
        receiver.stop()
