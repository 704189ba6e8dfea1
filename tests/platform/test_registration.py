"""Headless registration over real HTTP: codes, expiry, attempts, rate limits."""

from __future__ import annotations

import uuid

from tests.conftest import latest_code


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.org"


def test_register_end_to_end(client, pg):
    email = _email("reg")
    r = client.post("/v1/register", json={"email": email, "organization": "Zürich Payments AG"})
    assert r.status_code == 202
    assert uuid.UUID(r.json()["registration_id"])
    code = latest_code(pg, email)
    r = client.post("/v1/register/verify", json={"email": email, "code": code})
    assert r.status_code == 201, r.text
    body = r.json()
    key = body["api_key"]
    assert key.startswith("idm_")
    t = client.get("/v1/tenant", headers={"Authorization": f"Bearer {key}"})
    assert t.status_code == 200
    assert t.json()["tenant_id"] == body["tenant_id"]
    assert t.json()["slug"].startswith("zurich-payments-ag-")
    # The key is stored only as a hash.
    with pg.admin() as conn:
        stored = conn.execute(
            "SELECT key_hash, prefix FROM api_keys WHERE tenant_id = %s", (body["tenant_id"],)
        ).fetchone()
    assert key not in stored["key_hash"] and key.startswith(stored["prefix"])
    # The code cannot be used twice.
    again = client.post("/v1/register/verify", json={"email": email, "code": code})
    assert again.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"


def test_wrong_code_and_attempt_limit(client, pg):
    email = _email("wrong")
    assert (
        client.post("/v1/register", json={"email": email, "organization": "X"}).status_code == 202
    )
    code = latest_code(pg, email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = client.post("/v1/register/verify", json={"email": email, "code": wrong})
        assert r.status_code == 400
        assert r.json()["type"].endswith("/invalid-code")
    # The sixth attempt is refused even with the right code.
    r = client.post("/v1/register/verify", json={"email": email, "code": code})
    assert r.status_code == 429
    with pg.admin() as conn:
        n = conn.execute("SELECT count(*) AS n FROM tenants WHERE email = %s", (email,)).fetchone()
    assert n["n"] == 0


def test_expired_code(client, pg):
    email = _email("expired")
    assert (
        client.post("/v1/register", json={"email": email, "organization": "X"}).status_code == 202
    )
    code = latest_code(pg, email)
    with pg.admin() as conn:
        conn.execute(
            "UPDATE registrations SET expires_at = now() - interval '1 minute' WHERE email = %s",
            (email,),
        )
    r = client.post("/v1/register/verify", json={"email": email, "code": code})
    assert r.status_code == 400
    assert r.json()["type"].endswith("/code-expired")


def test_rate_limited_per_email(client):
    email = _email("limit")
    statuses = [
        client.post("/v1/register", json={"email": email, "organization": "X"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [202] * 5
    assert statuses[5] == 429


def test_rate_limited_per_client_address(pg):
    from shared.config import Settings
    from shared.crypto.envelope import load_master_key
    from shared.db.tenant_tx import Database
    from shared.errors import TooManyAttempts
    from shared.http.problem import problem_for
    from shared.tenancy.registration import Registrations

    settings = Settings(data_dir=pg.data_dir, registration_per_client_per_hour=2)
    db = Database(pg.urls.app)
    regs = Registrations(db, settings, load_master_key(settings))
    client_addr = f"198.51.100.{uuid.uuid4().int % 250}"
    regs.start(_email("c1"), "Org", client_addr)
    regs.start(_email("c2"), "Org", client_addr)
    try:
        regs.start(_email("c3"), "Org", client_addr)
        raise AssertionError("third registration from one address was accepted")
    except TooManyAttempts as exc:
        problem = problem_for(exc)  # what the HTTP edge answers
        assert problem.status == 429 and problem.headers["Retry-After"] == "3600"
    finally:
        db.close()


def test_invalid_email_is_422(client):
    r = client.post("/v1/register", json={"email": "not-an-email", "organization": "X"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/email"
