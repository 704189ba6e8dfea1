"""AML on the platform: the `aml` step, enrolment on approval, monitoring after a list load
(hit → event → signed webhook), reviewer decisions, and the standalone check."""

from __future__ import annotations

import json
import subprocess

import httpx

from shared.local.webhook_receiver import WebhookReceiver
from tests.conftest import create_workflow, idmesh_cli, subscribe_webhook, tenant_on, wait_decided

API_TIMEOUT = 60  # seconds (default 30): this module's checks are slow on a busy machine


def _ftm(path, people):
    lines = [
        {
            "id": pid,
            "schema": "Person",
            "properties": {"name": [name], "birthDate": [dob], "nationality": ["ru"]},
        }
        for pid, name, dob in people
    ]
    lines.append(
        {
            "id": "co-1",
            "schema": "Company",
            "properties": {"name": ["Golden Star Trading LLC"], "jurisdiction": ["ir"]},
        }
    )
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def _load(pg, path) -> subprocess.CompletedProcess:
    return idmesh_cli(
        "aml",
        "load",
        str(path),
        "--format",
        "ftm-json",
        "--list",
        "testlist",
        "--json",
        data_dir=pg.data_dir,
    )


def test_screening_enrolment_monitoring_and_review(api, pg, tmp_path):
    first = _load(
        pg, _ftm(tmp_path / "v1.json", [("p-1", "Olga Nikolaevna Petrova", "1970-01-01")])
    )
    assert first.returncode == 0, first.stderr
    key = tenant_on(api, pg, "AML Co")
    receiver = WebhookReceiver().start()
    try:
        subscribe_webhook(api, key, receiver, ("aml.hit", "aml.hit.v2"))
        wf = create_workflow(
            api,
            key,
            {
                "name": "aml monitored",
                "steps": [{"check": "aml"}],
                "monitoring": {"aml": True},
            },
        )
        s = api.post(
            "/v1/sessions",
            headers=key,
            json={
                "workflow_id": wf,
                "expected": {
                    "first_name": "Ivan",
                    "last_name": "Sidorov",
                    "date_of_birth": "1965-03-14",
                },
            },
        ).json()
        sid = s["session_id"]
        api.post(f"/v1/sessions/{sid}/submit", headers=key).raise_for_status()
        got = wait_decided(api, key, sid, 60)
        assert got["status"] == "approved", got
        aml = next(c for c in got["checks"] if c["check"] == "aml")
        assert aml["status"] == "passed" and aml["data"]["screened_name"] == "Ivan Sidorov"
        assert got["decision"]["aml_monitoring"] is True

        # The list changes: the new entry is screened against the enrolled subject.
        second = _load(
            pg,
            _ftm(
                tmp_path / "v2.json",
                [
                    ("p-1", "Olga Nikolaevna Petrova", "1970-01-01"),
                    ("p-2", "Ivan Petrovich Sidorov", "1965-03-14"),
                ],
            ),
        )
        assert second.returncode == 0, second.stderr
        report = json.loads(second.stdout)
        assert report["monitoring"]["hits"] == 1 and report["monitoring"]["subjects"] >= 1
        hook = receiver.wait_for(
            lambda m: m["body"]["type"] == "aml.hit" and m["body"]["data"]["session_id"] == sid, 30
        )
        assert hook and hook["verified"]
        assert hook["body"]["data"]["entity_id"].endswith("p-2")
        assert "Sidorov" not in json.dumps(hook["body"])  # thin payload, no names
        # The same hit on the one 0–100 scale (v2), beside the deprecated 0–1 v1.
        hook2 = receiver.wait_for(
            lambda m: m["body"]["type"] == "aml.hit.v2" and m["body"]["data"]["session_id"] == sid,
            30,
        )
        assert hook2 and hook2["verified"]
        v1, v2 = hook["body"]["data"]["score"], hook2["body"]["data"]["score"]
        assert isinstance(v2, int) and 0 <= v2 <= 100 and v2 == round(v1 * 100)
        assert hook2["body"]["data"]["entity_id"] == hook["body"]["data"]["entity_id"]

        hits = api.get("/v1/aml/hits?status=open", headers=key).json()["items"]
        mine = [h for h in hits if h["session_id"] == sid]
        assert len(mine) == 1 and mine[0]["matched_name"] == "Ivan Petrovich Sidorov"
        hid = mine[0]["id"]
        r = api.post(
            f"/v1/aml/hits/{hid}/review",
            headers=key,
            json={"decision": "dismissed", "note": "different person: other DOB source"},
        )
        assert r.status_code == 200 and r.json()["status"] == "dismissed"
        assert (
            api.post(
                f"/v1/aml/hits/{hid}/review", headers=key, json={"decision": "confirmed"}
            ).status_code
            == 409
        )
        with pg.admin() as conn:
            actions = [
                r["action"]
                for r in conn.execute(
                    "SELECT action FROM audit_log WHERE session_id = %s ORDER BY id", (sid,)
                )
            ]
        assert "aml.hit.dismissed" in actions
        # Loading the same file again changes nothing and raises nothing new.
        again = _load(pg, tmp_path / "v2.json")
        assert again.returncode == 0 and json.loads(again.stdout)["changed"] is False
    finally:
        receiver.stop()


def test_standalone_aml_check(api, pg, tmp_path, register):
    _load(pg, _ftm(tmp_path / "s.json", [("p-9", "Ivan Petrovich Sidorov", "1965-03-14")]))
    t = register("Screen Co")
    r = api.post(
        "/v1/checks/aml",
        headers=t.headers,
        json={"name": "SIDOROV Ivan", "date_of_birth": "1965", "country": "RU"},
    )
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["check"] == "aml" and res["status"] == "warning"
    assert "AML_POSSIBLE_MATCH" in [w["code"] for w in res["warnings"]]
    assert res["data"]["matches"][0]["matched_name"] == "Ivan Petrovich Sidorov"
    assert set(res["data"]["matches"][0]["explanation"]) >= {"name", "dob"}
    for body, status in (
        ({"name": ""}, 422),
        ({"name": "x", "surprise": 1}, 422),
        ({"name": "x", "date_of_birth": "yesterday"}, 422),
    ):
        assert api.post("/v1/checks/aml", headers=t.headers, json=body).status_code == status
    assert api.post(
        "/v1/checks/aml",
        headers=t.headers,
        content=b"{bad",
    ).status_code in (400, 415)
    assert api.post("/v1/checks/telepathy", headers=t.headers, json={}).status_code == 404
    # The answers (result and problems) are the ones the API document declares.
    from tests.platform.openapi_conformance import assert_conforms

    doc = api.get("/openapi.json").json()
    for body in ({"name": "SIDOROV Ivan"}, {"name": ""}):
        resp = api.post("/v1/checks/aml", headers=t.headers, json=body)
        assert_conforms(doc, "POST", "/v1/checks/{check}", resp)


def test_only_the_api_may_call_a_check_function(stack, api, pg, tmp_path, register):
    """The AML function's HTTP function call takes the API's identity only: no token is
    401, a Trigger's or the relay's token is 403, the API's forwarded call answers."""
    url = stack.processes["aml"].spec.url + "/check"
    body = {"name": "Jane Roe"}
    assert httpx.post(url, json=body, timeout=30).status_code == 401
    for sender in ("broker-filter", "relay"):
        forged = httpx.post(
            url, json=body, headers=stack.auth_headers(sender, url[:-6]), timeout=30
        )
        assert forged.status_code == 403, forged.text
    from shared.workload.identity import subject

    as_api = stack.auth_headers(subject("idmesh", "api"), url[:-6])
    ok = httpx.post(url, json=body, headers=as_api, timeout=30)
    assert ok.status_code == 200 and ok.json()["check"] == "aml", ok.text
    # Bad input gets the function's problem, which the API passes on unchanged.
    bad = httpx.post(url, json={"name": ""}, headers=as_api, timeout=30)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
