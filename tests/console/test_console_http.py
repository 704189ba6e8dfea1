"""The console over plain HTTP: sign-in with password + TOTP, lock-out and its audit, CSRF
and origin checks, role checks on every route, another tenant's ids answering 404, the PDF
report verifiable through the API."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import uuid
from pathlib import Path

import httpx
import pdfplumber
import pytest

from tests.console.helpers import (
    ConsoleClient,
    Person,
    invite_by_api,
    review_tenant,
    session_in_review,
)


def _person(role: str) -> Person:
    tag = uuid.uuid4().hex[:8]
    return Person(f"{role}-{tag}@team.example", role, f"{role.title()} {tag}")


@pytest.fixture(scope="module")
def world(stack, pg, passport):
    """Tenant A (a session in review, an owner, a reviewer, a viewer, a developer) and
    tenant B (a reviewer)."""
    with httpx.Client(base_url=stack.api_url, timeout=120) as api:
        a = review_tenant(api, pg, "Console A")
        b = review_tenant(api, pg, "Console B")
        session = session_in_review(api, a, passport.front, "customer-42")
        people = {}
        for tenant, role in (
            (a, "owner"),
            (a, "reviewer"),
            (a, "viewer"),
            (a, "developer"),
            (b, "reviewer"),
        ):
            p = _person(role)
            invite_by_api(api, tenant, p.email, role)
            c = ConsoleClient(stack.console_url)
            c.activate(pg, p)
            c.close()
            people[("a" if tenant is a else "b", role)] = p
        yield {"a": a, "b": b, "session": session, "people": people}


def _client(stack, p: Person) -> ConsoleClient:
    c = ConsoleClient(stack.console_url)
    c.sign_in(p)
    return c


def test_pages_need_a_complete_sign_in(stack, world):
    anon = ConsoleClient(stack.console_url)
    r = anon.get("/queue")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    p = world["people"][("a", "reviewer")]
    r = anon.http.post(
        "/sign-in",
        data={"email": p.email, "password": "correct horse battery staple"},
        headers={"Origin": stack.console_url},
    )
    assert r.status_code == 303 and r.headers["location"] == "/sign-in/code"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # the password alone reaches nothing but the code form
    r = anon.get("/queue")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in/code"
    bad = anon.post("/sign-in/code", {"code": "000000"}, csrf_from="/sign-in/code")
    assert bad.status_code == 401
    anon.close()


def test_wrong_passwords_lock_the_account_and_are_audited(stack, pg, world, api):
    p = _person("reviewer")
    invite_by_api(api, world["a"], p.email, "reviewer")
    c = ConsoleClient(stack.console_url)
    c.activate(pg, p)
    for _ in range(5):
        r = c.http.post(
            "/sign-in",
            data={"email": p.email, "password": "not the password"},
            headers={"Origin": stack.console_url},
        )
    assert r.status_code == 423, r.status_code
    r = c.http.post(
        "/sign-in",
        data={"email": p.email, "password": "correct horse battery staple"},
        headers={"Origin": stack.console_url},
    )
    assert r.status_code == 423  # the right password does not help while locked
    unknown = c.http.post(
        "/sign-in",
        data={"email": "nobody@team.example", "password": "x"},
        headers={"Origin": stack.console_url},
    )
    assert unknown.status_code == 401
    c.close()
    trail = api.get("/v1/audit", headers=world["a"].key, params={"limit": 1000}).json()["items"]
    failed = [e for e in trail if e["action"] == "console.sign_in_failed"]
    assert len(failed) >= 5 and failed[-1]["details"]["locked"] is True
    assert failed[-1]["actor"]["type"] == "user"


def test_posts_need_the_csrf_field_and_our_origin(stack, world):
    sid = world["session"]["session_id"]
    c = _client(stack, world["people"][("a", "reviewer")])
    no_token = c.http.post(f"/cases/{sid}/claim", headers={"Origin": stack.console_url})
    assert no_token.status_code == 403
    token = c.csrf()
    other_origin = c.http.post(
        f"/cases/{sid}/claim",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert other_origin.status_code == 403
    c.close()


def test_roles_are_checked_on_every_route(stack, world):
    sid = world["session"]["session_id"]
    viewer = _client(stack, world["people"][("a", "viewer")])
    assert viewer.get(f"/cases/{sid}").status_code == 200
    assert viewer.post(f"/cases/{sid}/claim", {}).status_code == 403
    r = viewer.post(f"/cases/{sid}/decision", {"action": "approve"})
    assert r.status_code == 403
    assert viewer.get("/team").status_code == 403
    assert 'id="claim"' not in viewer.get(f"/cases/{sid}").text
    viewer.close()
    dev = _client(stack, world["people"][("a", "developer")])
    assert dev.get("/queue").status_code == 403
    assert dev.get(f"/cases/{sid}").status_code == 403
    assert dev.get("/analytics").status_code == 200
    dev.close()


def test_another_tenants_reviewer_gets_404(stack, world):
    s = world["session"]
    sid = s["session_id"]
    art = s["artifacts"][0]["id"]
    other = _client(stack, world["people"][("b", "reviewer")])
    assert other.get(f"/cases/{sid}").status_code == 404
    assert other.get(f"/cases/{sid}/evidence/{art}").status_code == 404
    assert other.get(f"/cases/{sid}/report.pdf").status_code == 404
    assert other.post(f"/cases/{sid}/claim", {}).status_code == 404
    assert sid not in other.get("/queue").text
    assert other.get(f"/queue?q={sid}").status_code == 200
    other.close()


def test_evidence_is_not_cached_and_the_report_verifies(stack, world, api):
    s = world["session"]
    sid = s["session_id"]
    owner = _client(stack, world["people"][("a", "owner")])
    page = owner.get(f"/cases/{sid}")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for art in s["artifacts"]:
        r = owner.get(f"/cases/{sid}/evidence/{art['id']}")
        assert r.status_code == 200 and r.headers["cache-control"].startswith("no-store")
        assert hashlib.sha256(r.content).hexdigest() == art["sha256"]
    pdf = owner.get(f"/cases/{sid}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    digest = hashlib.sha256(pdf.content).hexdigest()
    assert pdf.headers["x-report-sha256"] == digest
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    report_id = pdf.headers["x-report-id"]
    assert sid in text and report_id in text and "in_review" in text
    assert "face_match" in text and "id_document" in text
    got = api.get(f"/v1/reports/{report_id}", headers=world["a"].key)
    assert got.status_code == 200 and got.json()["sha256"] == digest
    assert got.json()["session_id"] == sid
    # through the API as well, and another tenant cannot verify (or read) it
    by_api = api.get(f"/v1/sessions/{sid}/report.pdf", headers=world["a"].key)
    assert by_api.status_code == 200 and by_api.headers["content-type"] == "application/pdf"
    assert api.get(f"/v1/reports/{report_id}", headers=world["b"].key).status_code == 404
    assert api.get(f"/v1/sessions/{sid}/report.pdf", headers=world["b"].key).status_code == 404
    # the Python client does the same: fetch a report, then verify it by its id
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
    from idmesh_client import Client

    api_key = world["a"].key["Authorization"].split(" ", 1)[1]
    with Client(api.base_url, api_key) as client:
        pdf2, rid2, sha2 = client.get_session_report(sid)
        assert hashlib.sha256(pdf2).hexdigest() == sha2
        assert client.get_report(rid2)["sha256"] == sha2
    owner.close()


def test_queue_filters_and_search(stack, world):
    s = world["session"]
    c = _client(stack, world["people"][("a", "reviewer")])
    # vendor data is sealed: the search matches it exactly (keyed fingerprint), never a part
    page = c.get("/queue?q=customer-42").text
    assert s["session_id"] in page and "customer-42" in page  # shown, opened per request
    assert s["session_id"] not in c.get("/queue?q=customer-4").text
    assert s["session_id"] in c.get(f"/queue?q={s['session_id']}").text
    assert s["session_id"] not in c.get("/queue?q=someone-else").text
    assert s["session_id"] in c.get("/queue?status=in_review&check=face_match").text
    assert s["session_id"] not in c.get("/queue?status=approved").text
    assert c.get("/queue?status=nonsense").status_code == 422
    assert s["session_id"] in c.get("/queue?assigned=unassigned").text
    c.close()


def test_approve_and_request_new_captures_go_through_the_lifecycle(stack, world, api, passport):
    a = world["a"]
    reviewer = _client(stack, world["people"][("a", "reviewer")])
    owner = _client(stack, world["people"][("a", "owner")])
    one = session_in_review(api, a, passport.front, "customer-43")["session_id"]
    two = session_in_review(api, a, passport.front, "customer-44")["session_id"]
    # only the assignee decides: unclaimed, then assigned to someone else
    assert reviewer.post(f"/cases/{one}/decision", {"action": "approve"}).status_code == 409
    # the owner assigns by user id, read from the case page's list
    page = owner.get(f"/cases/{one}").text
    name = re.escape(world["people"][("a", "reviewer")].name)
    uid = re.search(rf'<option value="([0-9a-f-]{{36}})">{name}', page).group(1)
    assert owner.post(f"/cases/{one}/assign", {"assignee": uid}).status_code == 303
    assert owner.post(f"/cases/{one}/decision", {"action": "approve"}).status_code == 409
    r = reviewer.post(f"/cases/{one}/decision", {"action": "approve", "note": "looks fine"})
    assert r.status_code == 303, r.text
    got = api.get(f"/v1/sessions/{one}", headers=a.key).json()
    assert got["status"] == "approved" and got["decision"]["rule"] == "manual_review"
    assert got["decision"]["reviewer"]["type"] == "user"

    assert reviewer.post(f"/cases/{two}/claim", {}).status_code == 303
    bad = reviewer.post(f"/cases/{two}/decision", {"action": "resubmit", "steps": ["nope"]})
    assert bad.status_code == 409
    r = reviewer.post(
        f"/cases/{two}/decision",
        {"action": "resubmit", "steps": ["id_document"], "reason_codes": ["IMAGE_BLURRY"]},
    )
    assert r.status_code == 303, r.text
    got = api.get(f"/v1/sessions/{two}", headers=a.key).json()
    assert got["status"] == "resubmission_requested"
    assert got["decision"]["rule"] == "manual_review"
    assert got["decision"]["resubmission"]["steps"] == ["id_document"]
    trail = [
        e["action"] for e in api.get(f"/v1/sessions/{two}/audit", headers=a.key).json()["items"]
    ]
    assert "case.claimed" in trail and "session.resubmission_requested" in trail
    reviewer.close()
    owner.close()
