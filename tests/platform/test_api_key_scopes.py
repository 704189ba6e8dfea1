"""API keys: scopes (403 problem without), expiry (401), last use, rotation; and every
tenant route declares the scope it needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from shared.config import Settings
from shared.tenancy.scopes import SCOPES
from tests.conftest import tenant_on


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_tenant_route_declares_a_known_scope():
    from shared.api.app import create_router

    router = create_router(SimpleNamespace(settings=Settings(), db=SimpleNamespace(tenant=None)))
    tenant_routes = [r for r in router.routes if r.auth != "none"]
    assert len(tenant_routes) > 30
    undeclared = [(r.method, r.path) for r in tenant_routes if r.scope is None]
    assert undeclared == []
    assert {r.scope for r in tenant_routes} <= set(SCOPES)


def test_a_key_without_the_scope_gets_403_problem(client, pg):
    owner = tenant_on(client, pg, "Scope Co")
    wf = client.post(
        "/v1/workflows", headers=owner, json={"name": "c", "steps": [{"check": "email"}]}
    ).json()["id"]
    r = client.post(
        "/v1/api-keys", headers=owner, json={"name": "reader", "scopes": ["sessions:read"]}
    )
    assert r.status_code == 201 and r.json()["scopes"] == ["sessions:read"], r.text
    reader = _bearer(r.json()["api_key"])

    assert client.get("/v1/sessions", headers=reader).status_code == 200
    for method, path, body in (
        ("POST", "/v1/sessions", {"workflow_id": wf}),
        ("GET", "/v1/api-keys", None),
        ("GET", "/v1/workflows", None),
        ("GET", "/v1/webhook/deliveries", None),
        ("POST", "/v1/checks/aml", {"name": "Jane Doe"}),
    ):
        denied = client.request(method, path, headers=reader, json=body)
        assert denied.status_code == 403, (path, denied.text)
        assert denied.headers["content-type"].startswith("application/problem+json")
        assert denied.json()["type"].endswith("/insufficient-scope")
    # The owner's key (made at registration, no scopes given) holds every scope.
    assert client.post("/v1/sessions", headers=owner, json={"workflow_id": wf}).status_code == 201
    keys = client.get("/v1/api-keys", headers=owner).json()["items"]
    assert next(k for k in keys if k["name"] == "reader")["last_used_at"] is not None

    bad = client.post("/v1/api-keys", headers=owner, json={"name": "x", "scopes": ["root"]})
    assert bad.status_code == 422


def test_expired_keys_get_401_and_rotation_hands_over(client, pg):
    owner = tenant_on(client, pg, "Expiry Co")
    past = client.post(
        "/v1/api-keys",
        headers=owner,
        json={"name": "old", "expires_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    )
    assert past.status_code == 422
    r = client.post(
        "/v1/api-keys",
        headers=owner,
        json={"name": "soon", "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
    )
    key = r.json()
    assert client.get("/v1/sessions", headers=_bearer(key["api_key"])).status_code == 200
    with pg.admin() as conn:  # time passes: the key's expiry is now behind us
        conn.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
            (key["id"],),
        )
    expired = client.get("/v1/sessions", headers=_bearer(key["api_key"]))
    assert expired.status_code == 401 and expired.json()["type"].endswith("/key-expired")

    ci = client.post(
        "/v1/api-keys", headers=owner, json={"name": "ci", "scopes": ["checks"]}
    ).json()
    soft = client.post(
        f"/v1/api-keys/{ci['id']}/rotate", headers=owner, json={"grace_seconds": 3600}
    )
    assert soft.status_code == 201, soft.text
    new = soft.json()
    assert new["name"] == "ci" and new["scopes"] == ["checks"] and new["rotated_from"] == ci["id"]
    assert new["api_key"] != ci["api_key"]
    for token in (ci["api_key"], new["api_key"]):  # both work during the grace period
        assert client.get("/v1/sessions", headers=_bearer(token)).status_code == 403  # scope
    hard = client.post(f"/v1/api-keys/{new['id']}/rotate", headers=owner, json={})
    assert hard.status_code == 201
    gone = client.get("/v1/sessions", headers=_bearer(new["api_key"]))
    assert gone.status_code == 401 and gone.json()["type"].endswith("/key-expired")
    again = client.post(f"/v1/api-keys/{new['id']}/rotate", headers=owner, json={})
    assert again.status_code == 404
