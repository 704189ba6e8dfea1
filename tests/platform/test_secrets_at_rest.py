"""Secrets at rest: no API key or session token is ever readable from a database dump.

After every call that issues a secret (registration, a new API key, a session, each with and
without Idempotency-Key, and their idempotent replays) the database is dumped as the
cluster's superuser and searched for the secret: it must not be there (it is stored as a
hash; idempotent replay records are sealed with the tenant's data key).
"""

from __future__ import annotations

import uuid

from tests.conftest import tenant_on
from tests.platform.dump import database_dump


def _absent(pg, *secrets: str) -> None:
    dump = database_dump(pg)
    for s in secrets:
        assert s and s not in dump, f"secret {s[:8]}… found in the database dump"


def test_no_secret_issuing_call_leaves_the_secret_in_the_database(client, pg):
    key = tenant_on(client, pg, "Secret Co")
    _absent(pg, key["Authorization"].split()[1])

    idem = {**key, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = client.post("/v1/api-keys", headers=idem, json={"name": "ci"})
    assert first.status_code == 201, first.text
    _absent(pg, first.json()["api_key"])
    replay = client.post("/v1/api-keys", headers=idem, json={"name": "ci"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["api_key"] == first.json()["api_key"]
    _absent(pg, first.json()["api_key"])
    plain = client.post("/v1/api-keys", headers=key, json={"name": "plain"}).json()["api_key"]
    _absent(pg, plain)

    wf = client.post(
        "/v1/workflows", headers=key, json={"name": "contact", "steps": [{"check": "email"}]}
    ).json()["id"]
    idem = {**key, "Idempotency-Key": f"s-{uuid.uuid4()}"}
    s = client.post("/v1/sessions", headers=idem, json={"workflow_id": wf})
    assert s.status_code == 201, s.text
    token = s.json()["session_token"]
    _absent(pg, token)
    again = client.post("/v1/sessions", headers=idem, json={"workflow_id": wf})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["session_token"] == token
    _absent(pg, token)
    # The replayed token still works: the sealed record opens to the real answer.
    r = client.post(
        f"/v1/sessions/{s.json()['session_id']}/nfc/challenge",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    other = client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    _absent(pg, other["session_token"])
