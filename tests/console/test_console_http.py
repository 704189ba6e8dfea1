"""The console over plain HTTP: sign-in with password + TOTP, lock-out and its audit, CSRF
and origin checks, role checks on every route, another tenant's ids answering 404, the PDF
report verifiable through the API."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import uuid
from pathlib import Path

import httpx
import pdfplumber
import pytest

from tests.conftest import latest_message
from tests.console.helpers import (
    ConsoleClient,
    Person,
    invite_by_api,
    review_tenant,
    seed_results,
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


_SIGNED_IN: dict[str, ConsoleClient] = {}


def _client(stack, p: Person) -> ConsoleClient:
    """The person's console, signed in once per module: a sign-in spends a TOTP step, and
    signing the same few people in again for every test waited up to 30 s each time."""
    c = _SIGNED_IN.get(p.email)
    home = c.get("/").headers.get("location") if c is not None else None
    if home not in ("/queue", "/analytics"):  # not yet, or no longer, signed in
        c = ConsoleClient(stack.console_url, shared=True)
        c.sign_in(p)
        _SIGNED_IN[p.email] = c
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


# -- the case page's panels and the case actions --------------------------------------------
def test_case_page_shows_what_every_check_saw(stack, pg, world, api, passport):
    a = world["a"]
    sid = session_in_review(api, a, passport.front, "customer-panels")["session_id"]
    # an earlier session of the same person (same vendor data, same document)
    earlier = session_in_review(api, a, passport.front, "customer-panels")["session_id"]
    seed_results(pg, sid)
    owner = _client(stack, world["people"][("a", "owner")])
    html = owner.get(f"/cases/{sid}").text
    # document fields by source with check digits
    assert 'data-field="document_number"' in html and "Check digit" in html
    assert re.search(r"valid</td>|WRONG</td>", html)
    # the generated chip is another person's: its fields differ from the photo's MRZ, and
    # the page says so first, highlighted
    assert 'id="mismatches"' in html and "differs between mrz, chip" in html
    assert 'class="differs"' in html
    # NFC: assurance and the chip portrait, served no-store as a JPEG
    assert 'id="nfc-assurance"' in html and "Passive authentication" in html
    portrait = owner.get(f"/cases/{sid}/chip-portrait")
    assert portrait.status_code == 200 and portrait.content[:2] == b"\xff\xd8"
    assert portrait.headers["cache-control"].startswith("no-store")
    # proof of address: parsed fields and tamper evidence
    assert "Heidestrasse" in html and "PDF_INCREMENTAL_UPDATE" in html
    assert "tampering suspected" in html
    # liveness cues, attack-like ones first
    assert html.index("glare") < html.index("fine detail") and "screen replay" in html
    assert "<td>fine detail</td><td>-0.4</td><td>0.8125</td>" in html  # its measurement
    # AML match with its explanation and the list entry
    assert "ofac-4242" in html and "ofac_sdn" in html and "SDGT" in html
    # the earlier session of the same person, and why
    assert earlier in html and "same vendor data" in html and "same document" in html
    # another tenant: the chip portrait is not found
    other = _client(stack, world["people"][("b", "reviewer")])
    assert other.get(f"/cases/{sid}/chip-portrait").status_code == 404
    assert other.post(f"/cases/{sid}/notes", {"body": "hi"}).status_code == 404
    other.close()
    owner.close()


def test_aml_disposition_blocklist_and_notes_from_the_case(stack, pg, world, api, passport):
    a = world["a"]
    sid = session_in_review(api, a, passport.front, "customer-actions")["session_id"]
    seed_results(pg, sid)
    reviewer_p = world["people"][("a", "reviewer")]
    owner_p = world["people"][("a", "owner")]
    reviewer = _client(stack, reviewer_p)
    # a disposition needs a reason and a match of this session
    no_reason = reviewer.post(
        f"/cases/{sid}/aml", {"entity_id": "ofac-4242", "decision": "dismissed", "reason": ""}
    )
    assert no_reason.status_code == 422
    unknown = reviewer.post(
        f"/cases/{sid}/aml", {"entity_id": "nope", "decision": "dismissed", "reason": "x"}
    )
    assert unknown.status_code == 404
    r = reviewer.post(
        f"/cases/{sid}/aml",
        {"entity_id": "ofac-4242", "decision": "dismissed", "reason": "other date of birth"},
    )
    assert r.status_code == 303, r.text
    html = reviewer.get(f"/cases/{sid}").text
    assert "dismissed</strong> by " + reviewer_p.name in html and "other date of birth" in html
    # the aml step's context no longer raises the dismissed match for this session
    from shared.aml.hit_review import is_dismissed
    from shared.db.tenant_tx import Database

    with pg.admin() as conn:
        tid = str(
            conn.execute("SELECT tenant_id FROM sessions WHERE id = %s", (sid,)).fetchone()[
                "tenant_id"
            ]
        )
    db = Database(pg.urls.app)
    with db.tenant(tid) as conn:
        assert is_dismissed(conn, sid, "ofac-4242") and not is_dismissed(conn, sid, "x")
    db.close()
    # blocklist the document number read from the case
    r = reviewer.post(f"/cases/{sid}/blocklist", {"kind": "document_number", "reason": "fraud"})
    assert r.status_code == 303, r.text
    assert api.get("/v1/blocklist", headers=a.key).json()["items"][-1]["session_id"] == sid
    bad = reviewer.post(f"/cases/{sid}/blocklist", {"kind": "email"})
    assert bad.status_code == 422  # no verified e-mail in this session
    # a note mentioning the owner: listed for them and e-mailed through the messaging
    mention = "@" + owner_p.email.split("@")[0]
    r = reviewer.post(f"/cases/{sid}/notes", {"body": f"{mention} please look at the AML hit"})
    assert r.status_code == 303, r.text
    owner = _client(stack, owner_p)
    mentions = owner.get("/mentions").text
    assert sid in mentions and "please look at the AML hit" in mentions and ">new<" in mentions
    assert f"/cases/{sid}" in latest_message(pg, owner_p.email)
    assert "please look" in owner.get(f"/cases/{sid}").text
    assert ">new<" not in owner.get("/mentions").text  # opening the case marks it seen
    # the PDF report carries the disposition, the note and the mismatches
    pdf = owner.get(f"/cases/{sid}/report.pdf")
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        text = " ".join((p.extract_text() or "") for p in doc.pages).replace("\n", " ")
    assert "dismissed by" in text and "other date of birth" in text
    assert "please look at the AML hit" in text and "Cross-check mismatches" in text
    # viewers cannot act; every action is audited with the person and the reason
    viewer = _client(stack, world["people"][("a", "viewer")])
    assert viewer.post(f"/cases/{sid}/notes", {"body": "x"}).status_code == 403
    assert viewer.post(f"/cases/{sid}/blocklist", {"kind": "face"}).status_code == 403
    assert (
        viewer.post(
            f"/cases/{sid}/aml", {"entity_id": "ofac-4242", "decision": "confirmed", "reason": "x"}
        ).status_code
        == 403
    )
    trail = api.get(f"/v1/sessions/{sid}/audit", headers=a.key).json()["items"]
    by_action = {e["action"]: e for e in trail}
    dismissed = by_action["aml.match.dismissed"]
    assert dismissed["actor"]["type"] == "user" and dismissed["details"]["reason"]
    assert by_action["blocklist.added"]["details"]["reason"] == "fraud"
    assert by_action["case.note_added"]["details"]["mentions"]
    for c in (reviewer, owner, viewer):
        c.close()


# -- OIDC single sign-on against a local provider -------------------------------------------
def _sso_sign_in(stack, email: str) -> tuple[ConsoleClient, httpx.Response]:
    """Start at the console, follow the provider's redirect back; the callback's answer."""
    c = ConsoleClient(stack.console_url)
    r = c.http.post("/sign-in/sso", data={"email": email}, headers={"Origin": stack.console_url})
    assert r.status_code == 303, r.text
    auth = r.headers["location"]
    assert "code_challenge=" in auth and "code_challenge_method=S256" in auth
    at_provider = httpx.get(auth)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith(f"{stack.console_url}/sso/callback")
    return c, c.http.get(back.removeprefix(stack.console_url))


def test_oidc_single_sign_on_per_tenant(stack, world, api):
    from tests.console.oidc_provider import OidcProvider

    owner_p = world["people"][("a", "owner")]
    reviewer_p = world["people"][("a", "reviewer")]
    other_p = world["people"][("b", "reviewer")]
    with OidcProvider() as idp:
        idp.users |= {reviewer_p.email, other_p.email, "stranger@team.example"}
        # tenant B has no provider: its people cannot start single sign-on
        c = ConsoleClient(stack.console_url)
        r = c.http.post(
            "/sign-in/sso", data={"email": other_p.email}, headers={"Origin": stack.console_url}
        )
        assert r.status_code == 401
        # only owners and admins configure it; a reviewer is refused
        reviewer = _client(stack, reviewer_p)
        assert reviewer.get("/settings/sso").status_code == 403
        reviewer.close()
        owner = _client(stack, owner_p)
        bad = owner.post(
            "/settings/sso",
            {"issuer": "ftp://nope", "client_id": "x", "enabled": "on"},
            csrf_from="/settings/sso",
        )
        assert bad.status_code == 422
        r = owner.post(
            "/settings/sso",
            {
                "issuer": idp.url,
                "client_id": idp.client_id,
                "client_secret": idp.client_secret,
                "enabled": "on",
            },
            csrf_from="/settings/sso",
        )
        assert r.status_code == 303, r.text
        page = owner.get("/settings/sso").text
        assert idp.url in page and idp.client_secret not in page  # the secret is not shown
        owner.close()

        # the reviewer signs in through the provider: a complete session, no TOTP asked
        c, done = _sso_sign_in(stack, reviewer_p.email)
        assert done.status_code == 200, done.text
        assert 'http-equiv="refresh"' in done.text
        set_cookie = done.headers.get_list("set-cookie")
        assert any(
            h.startswith("idmesh_console=") and "HttpOnly" in h and "SameSite=Strict" in h
            for h in set_cookie
        )
        assert c.get("/queue").status_code == 200
        assert reviewer_p.name in c.get("/queue").text
        # the verifier the provider checked is the one the console kept (PKCE)
        assert idp.token_requests[-1]["code_verifier"]
        c.close()

        # a redirect that did not start here (no flow cookie, or another state) is refused
        c2, _ = _sso_sign_in(stack, reviewer_p.email)
        r = c2.http.get("/sso/callback?state=forged&code=whatever")
        assert r.status_code == 401
        c2.close()
        anon = ConsoleClient(stack.console_url)
        assert anon.get("/sso/callback?state=a&code=b").status_code == 401
        anon.close()

        # a token the console must not accept: other audience, nonce, key; unverified address
        for tamper in ("aud", "nonce", "signature", "unverified", "stranger"):
            idp.tamper = tamper
            c3, r = _sso_sign_in(stack, reviewer_p.email)
            assert r.status_code == 401, (tamper, r.status_code)
            assert c3.get("/queue").status_code == 303
            c3.close()
        idp.tamper = None

    trail = api.get("/v1/audit", headers=world["a"].key, params={"limit": 1000}).json()["items"]
    sso_in = [
        e
        for e in trail
        if e["action"] == "console.signed_in" and e["details"].get("factors") == ["oidc"]
    ]
    assert sso_in and sso_in[-1]["actor"]["id"]
    assert any(e["action"] == "console.sso_configured" for e in trail)


# -- configuration screens -----------------------------------------------------------------
def test_team_roles_and_retention_screens(stack, pg, world, api):
    owner = _client(stack, world["people"][("a", "owner")])
    p = _person("developer")
    invite_by_api(api, world["a"], p.email, "developer")
    c = ConsoleClient(stack.console_url)
    c.activate(pg, p)
    c.close()
    team = owner.get("/team").text
    uid = re.search(rf'data-user="([0-9a-f-]{{36}})"><td>{re.escape(p.name)}<', team).group(1)
    # the owner makes the developer a viewer, then disables the account
    r = owner.post(f"/team/{uid}/role", {"role": "viewer"}, csrf_from="/team")
    assert r.status_code == 303, r.text
    other = _client(stack, p)
    assert other.get("/queue").status_code == 200  # a viewer reads the queue now
    assert other.post(f"/team/{uid}/role", {"role": "owner"}, csrf_from="/queue").status_code == 403
    assert owner.post(f"/team/{uid}/role", {"role": "boss"}, csrf_from="/team").status_code == 403
    own = world["people"][("a", "owner")]
    me = re.search(rf'data-user="([0-9a-f-]{{36}})"><td>{re.escape(own.name)}<', team).group(1)
    assert owner.post(f"/team/{me}/role", {"role": "viewer"}, csrf_from="/team").status_code == 403
    r = owner.post(f"/team/{uid}/role", {"role": "disabled"}, csrf_from="/team")
    assert r.status_code == 303
    assert other.get("/queue").status_code == 303  # its session ended
    other.close()
    # another tenant's person id is unknown
    b = _client(stack, world["people"][("b", "reviewer")])
    assert b.get("/team").status_code == 403
    b.close()
    assert (
        owner.post(f"/team/{uuid.uuid4()}/role", {"role": "viewer"}, csrf_from="/team").status_code
        == 404
    )

    # retention: validated, saved, the same as the API's
    bad = owner.post(
        "/settings/retention",
        {"retention_days": "7", "artifact_retention_days": "30"},
        csrf_from="/settings/retention",
    )
    assert bad.status_code == 422
    assert (
        owner.post(
            "/settings/retention", {"retention_days": "x"}, csrf_from="/settings/retention"
        ).status_code
        == 422
    )
    r = owner.post(
        "/settings/retention",
        {"retention_days": "400", "artifact_retention_days": "30"},
        csrf_from="/settings/retention",
    )
    assert r.status_code == 303
    got = api.get("/v1/tenant/retention", headers=world["a"].key).json()
    assert got == {"retention_days": 400, "artifact_retention_days": 30}
    reviewer = _client(stack, world["people"][("a", "reviewer")])
    assert reviewer.get("/settings/retention").status_code == 403
    assert reviewer.get("/settings/webhooks").status_code == 403
    reviewer.close()
    # branding of the hosted pages: validated (contrast, colours) like the API's
    bad = owner.post(
        "/settings/branding",
        {
            "display_name": "Console A",
            "primary_color": "#FFFFFE",
            "background_color": "#FFFFFF",
            "text_color": "#1A1A1A",
        },
        csrf_from="/settings/branding",
    )
    assert bad.status_code == 422
    r = owner.post(
        "/settings/branding",
        {
            "display_name": "Console A Bank",
            "primary_color": "#1F4E9C",
            "background_color": "#FFFFFF",
            "text_color": "#1A1A1A",
            "allow_file_upload": "on",
        },
        csrf_from="/settings/branding",
    )
    assert r.status_code == 303, r.text
    got = api.get("/v1/tenant/branding", headers=world["a"].key).json()
    assert got["display_name"] == "Console A Bank" and got["allow_file_upload"] is True
    trail = [
        e["action"]
        for e in api.get("/v1/audit", headers=world["a"].key, params={"limit": 1000}).json()[
            "items"
        ]
    ]
    assert "console.role_changed" in trail and "tenant.retention_set" in trail
    assert "tenant.branding_set" in trail
    owner.close()


@pytest.mark.slow
def test_webhook_delivery_log_and_resend(stack, pg, world, api, passport, receiver):
    t = review_tenant(api, pg, "Console Hooks", receiver)
    people = {}
    for role in ("owner", "developer"):
        p = _person(role)
        invite_by_api(api, t, p.email, role)
        c = ConsoleClient(stack.console_url)
        c.activate(pg, p)
        c.close()
        people[role] = p
    sid = session_in_review(api, t, passport.front, "customer-hooks")["session_id"]
    owner = _client(stack, people["owner"])
    assert owner.post(f"/cases/{sid}/claim", {}).status_code == 303
    assert owner.post(f"/cases/{sid}/decision", {"action": "approve"}).status_code == 303

    def about(i):
        return i["body"].get("data", {}).get("session_id") == sid and i["verified"]

    assert receiver.wait_for(about, 60)
    dev = _client(stack, people["developer"])
    page = dev.get("/settings/webhooks").text
    found = re.search(r'data-delivery="([0-9a-f-]{36})">(?:(?!</tr>).)*session.decided', page, re.S)
    assert found, page
    did = found.group(1)
    # an unknown delivery, or this tenant's delivery from another tenant's developer: 404
    r = dev.post(f"/settings/webhooks/{uuid.uuid4()}/resend", {}, csrf_from="/settings/webhooks")
    assert r.status_code == 404
    other = _client(stack, world["people"][("a", "developer")])
    r = other.post(f"/settings/webhooks/{did}/resend", {}, csrf_from="/settings/webhooks")
    assert r.status_code == 404
    other.close()
    n = len([i for i in receiver.received if about(i)])
    r = dev.post(f"/settings/webhooks/{did}/resend", {}, csrf_from="/settings/webhooks")
    assert r.status_code == 303
    assert receiver.wait_for(lambda _: len([i for i in receiver.received if about(i)]) > n, 60)
    trail = api.get("/v1/audit", headers=t.key, params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "webhook.resend" and e["actor"]["type"] == "user" for e in trail)
    dev.close()
    owner.close()


def test_workflow_edit_validation_and_diff(stack, world, api):
    a, b = world["a"], world["b"]
    wf = a.workflow_id
    dev = _client(stack, world["people"][("a", "developer")])
    assert wf in dev.get("/settings/workflows").text
    page = dev.get(f"/settings/workflows/{wf}")
    assert page.status_code == 200 and "id_document" in page.text
    before = api.get(f"/v1/workflows/{wf}", headers=a.key).json()
    # not JSON, an unknown check, bad parameters: 422 with the pointer, no new version
    r = dev.post(f"/settings/workflows/{wf}", {"definition": "{"}, csrf_from="/settings/workflows")
    assert r.status_code == 422
    bad = {**before["definition"], "steps": [{"check": "no_such_check"}]}
    r = dev.post(
        f"/settings/workflows/{wf}",
        {"definition": json.dumps(bad)},
        csrf_from="/settings/workflows",
    )
    assert r.status_code == 422 and "/steps/0" in r.text
    assert api.get(f"/v1/workflows/{wf}", headers=a.key).json()["version"] == before["version"]
    # a valid edit (the name only: the other tests keep using the steps) is a new version
    good = {**before["definition"], "name": "documents + face, reviewed (renamed)"}
    r = dev.post(
        f"/settings/workflows/{wf}",
        {"definition": json.dumps(good)},
        csrf_from="/settings/workflows",
    )
    assert r.status_code == 303, r.text
    v = before["version"] + 1
    assert r.headers["location"].endswith(f"?old={v - 1}&new={v}")
    diff = dev.get(r.headers["location"]).text
    assert 'class="del"' in diff and "(renamed)" in diff and 'id="diff"' in diff
    assert api.get(f"/v1/workflows/{wf}", headers=a.key).json()["version"] == v
    # test this workflow: which steps given results would trigger (nothing stored)
    facts = {"results": {"face_match": {"status": "failed", "score": 10}}}
    r = dev.post(
        f"/settings/workflows/{wf}/test",
        {"facts": json.dumps(facts)},
        csrf_from="/settings/workflows",
    )
    assert r.status_code == 200 and 'id="plan"' in r.text and "face_match" in r.text
    r = dev.post(
        f"/settings/workflows/{wf}/test",
        {"facts": json.dumps({"results": {"nope": {"status": "passed"}}})},
        csrf_from="/settings/workflows",
    )
    assert r.status_code == 422 and "/results/nope" in r.text
    assert api.get(f"/v1/workflows/{wf}", headers=a.key).json()["version"] == v
    # another tenant's workflow is unknown; reviewers and viewers do not edit workflows
    assert dev.get(f"/settings/workflows/{b.workflow_id}").status_code == 404
    assert dev.get("/settings/workflows/not-a-uuid").status_code == 404
    other = dev.post(
        f"/settings/workflows/{b.workflow_id}/test",
        {"facts": "{}"},
        csrf_from="/settings/workflows",
    )
    assert other.status_code == 404
    dev.close()
    viewer = _client(stack, world["people"][("a", "viewer")])
    assert viewer.get(f"/settings/workflows/{wf}").status_code == 403
    viewer.close()
    trail = api.get("/v1/audit", headers=a.key, params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "workflow.updated" and e["actor"]["type"] == "user" for e in trail)


def test_api_keys_screen_shows_a_secret_once_and_keeps_developers_below_admin(
    stack, pg, world, api
):
    a, b = world["a"], world["b"]
    dev = _client(stack, world["people"][("a", "developer")])
    page = dev.get("/settings/api-keys")
    assert page.status_code == 200 and 'id="keys"' in page.text
    assert "no-store" in page.headers["cache-control"]
    keys = api.get("/v1/api-keys", headers=a.key).json()["items"]
    admin_key = next(k for k in keys if k["scopes"] is None and k["revoked_at"] is None)
    n_before = len(keys)
    # Attack: a developer makes (or rotates) a key with every scope, admin included, and so
    # becomes an admin through the API (admin keys invite console owners): refused.
    assert dev.post("/settings/api-keys", {"name": "all"}, "/settings/api-keys").status_code == 403
    r = dev.post("/settings/api-keys", {"name": "x", "scopes": ["admin"]}, "/settings/api-keys")
    assert r.status_code == 403
    r = dev.post(f"/settings/api-keys/{admin_key['id']}/rotate", {}, "/settings/api-keys")
    assert r.status_code == 403
    r = dev.post(f"/settings/api-keys/{admin_key['id']}/revoke", {}, "/settings/api-keys")
    assert r.status_code == 403
    assert len(api.get("/v1/api-keys", headers=a.key).json()["items"]) == n_before
    # bad forms: 422, nothing made
    assert dev.post("/settings/api-keys", {"name": ""}, "/settings/api-keys").status_code == 422
    r = dev.post(
        "/settings/api-keys",
        {"name": "ci", "scopes": ["sessions:read"], "expires_in_days": "soon"},
        "/settings/api-keys",
    )
    assert r.status_code == 422
    r = dev.post("/settings/api-keys", {"name": "ci", "scopes": ["nope"]}, "/settings/api-keys")
    assert r.status_code == 422
    # a test-mode key with one scope: shown once, works for its scope only
    r = dev.post(
        "/settings/api-keys",
        {"name": "ci reader", "mode": "test", "scopes": ["sessions:read"], "expires_in_days": "30"},
        "/settings/api-keys",
    )
    assert r.status_code == 201, r.text
    assert "no-store" in r.headers["cache-control"]
    secret = re.search(r'id="secret">(idm_test_[A-Za-z0-9_\-]+)<', r.text).group(1)
    h = {"Authorization": f"Bearer {secret}"}
    assert api.get("/v1/sessions", headers=h).status_code == 200
    assert api.get("/v1/workflows", headers=h).status_code == 403
    assert secret not in dev.get("/settings/api-keys").text  # never shown again
    key_id = next(
        k["id"]
        for k in api.get("/v1/api-keys", headers=a.key).json()["items"]
        if k["name"] == "ci reader"
    )
    # rotate (the old one stops at once), then revoke the new one
    r = dev.post(
        f"/settings/api-keys/{key_id}/rotate", {"grace_seconds": "0"}, "/settings/api-keys"
    )
    assert r.status_code == 201, r.text
    rotated = re.search(r'id="secret">(idm_test_[A-Za-z0-9_\-]+)<', r.text).group(1)
    h2 = {"Authorization": f"Bearer {rotated}"}
    assert api.get("/v1/sessions", headers=h).status_code == 401
    assert api.get("/v1/sessions", headers=h2).status_code == 200
    r = dev.post(
        f"/settings/api-keys/{key_id}/rotate", {"grace_seconds": "5"}, "/settings/api-keys"
    )
    assert r.status_code == 422  # only the offered grace periods
    new_id = next(
        k["id"]
        for k in api.get("/v1/api-keys", headers=a.key).json()["items"]
        if k["rotated_from"] == key_id
    )
    r = dev.post(f"/settings/api-keys/{new_id}/revoke", {}, "/settings/api-keys")
    assert r.status_code == 303 and r.headers["location"].endswith("done=revoked")
    assert api.get("/v1/sessions", headers=h2).status_code == 401
    dev.close()
    # owners make keys with every scope; viewers and reviewers have no key screen
    owner = _client(stack, world["people"][("a", "owner")])
    r = owner.post("/settings/api-keys", {"name": "backend"}, "/settings/api-keys")
    assert r.status_code == 201 and re.search(r'id="secret">idm_(?!test_)', r.text)
    owner.close()
    for role in ("viewer", "reviewer"):
        c = _client(stack, world["people"][("a", role)])
        assert c.get("/settings/api-keys").status_code == 403
        assert 'href="/settings/api-keys"' not in c.get("/analytics").text
        c.close()
    # another tenant's developer: tenant A's keys are unknown
    b_dev = _person("developer")
    invite_by_api(api, b, b_dev.email, "developer")
    c = ConsoleClient(stack.console_url)
    c.activate(pg, b_dev)
    c.sign_in(b_dev)
    assert key_id not in c.get("/settings/api-keys").text
    r = c.post(f"/settings/api-keys/{key_id}/revoke", {}, "/settings/api-keys")
    assert r.status_code == 404
    r = c.post(f"/settings/api-keys/{key_id}/rotate", {"grace_seconds": "0"}, "/settings/api-keys")
    assert r.status_code == 404
    c.close()
    trail = api.get("/v1/audit", headers=a.key, params={"limit": 1000}).json()["items"]
    by_user = {e["action"] for e in trail if e["actor"]["type"] == "user"}
    assert {"api_key.created", "api_key.rotated", "api_key.revoked"} <= by_user


def test_blocklist_screen_adds_and_removes_values(stack, world, api):
    a = world["a"]
    rev = _client(stack, world["people"][("a", "reviewer")])
    page = rev.get("/settings/blocklist")
    assert page.status_code == 200 and 'id="entries"' in page.text
    bad = rev.post(
        "/settings/blocklist", {"kind": "phone", "value": "not a phone"}, "/settings/blocklist"
    )
    assert bad.status_code == 422 and 'id="error"' in bad.text
    face = rev.post("/settings/blocklist", {"kind": "face", "value": "x"}, "/settings/blocklist")
    assert face.status_code == 422
    email = f"Fraud.{uuid.uuid4().hex[:6]}@Example.com"
    r = rev.post(
        "/settings/blocklist",
        {"kind": "email", "value": email, "reason": "chargeback ring"},
        "/settings/blocklist",
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=added")
    listed = rev.get("/settings/blocklist").text
    assert email not in listed and email.lower() not in listed  # a hint only, never the value
    entries = api.get("/v1/blocklist", headers=a.key).json()["items"]
    entry = next(e for e in entries if e["kind"] == "email" and e["hint"].startswith("f***@"))
    assert f'data-entry="{entry["id"]}"' in listed
    # reviewers add but do not remove
    assert 'class="remove"' not in listed
    r = rev.post(f"/settings/blocklist/{entry['id']}/remove", {}, "/settings/blocklist")
    assert r.status_code == 403
    rev.close()
    other = _client(stack, world["people"][("b", "reviewer")])
    assert entry["id"] not in other.get("/settings/blocklist").text
    other.close()
    viewer = _client(stack, world["people"][("a", "viewer")])
    assert viewer.get("/settings/blocklist").status_code == 403
    viewer.close()
    owner = _client(stack, world["people"][("a", "owner")])
    r = owner.post(f"/settings/blocklist/{entry['id']}/remove", {}, "/settings/blocklist")
    assert r.status_code == 303
    r = owner.post(f"/settings/blocklist/{entry['id']}/remove", {}, "/settings/blocklist")
    assert r.status_code == 404
    owner.close()
    ids = [e["id"] for e in api.get("/v1/blocklist", headers=a.key).json()["items"]]
    assert entry["id"] not in ids
    trail = api.get("/v1/audit", headers=a.key, params={"limit": 1000}).json()["items"]
    added = [e for e in trail if e["action"] == "blocklist.added" and e["actor"]["type"] == "user"]
    assert any(e["details"].get("reason") == "chargeback ring" for e in added)
    assert any(
        e["action"] == "blocklist.removed" and e["details"]["entry_id"] == entry["id"]
        for e in trail
    )


def test_a_sandbox_run_of_a_workflow_goes_through_the_real_path(stack, world, api):
    import time

    a = world["a"]
    wf = a.workflow_id
    dev = _client(stack, world["people"][("a", "developer")])
    page = dev.get(f"/settings/workflows/{wf}").text
    assert 'id="sandbox-run"' in page and 'name="outcome_face_match"' in page
    bad = dev.post(
        f"/settings/workflows/{wf}/runs", {"outcome_face_match": "maybe"}, "/settings/workflows"
    )
    assert bad.status_code == 422
    r = dev.post(
        f"/settings/workflows/{wf}/runs",
        {"outcome_face_match": "declined"},
        "/settings/workflows",
    )
    assert r.status_code == 303, r.text
    run_url = r.headers["location"]
    sid = run_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 90
    while True:
        view = dev.get(run_url)
        assert view.status_code == 200
        if "refresh" not in view.headers:
            break
        assert time.monotonic() < deadline, view.text
        time.sleep(0.5)
    # the world's workflow sends every failure to review: the rules ran on the outcome asked
    assert 'id="run-decided">in_review<' in view.text, view.text
    assert "FACE_MATCH_FAILED" in view.text
    assert '<td>face_match</td><td><span class="pill">failed</span>' in view.text
    # it is a test session: live keys do not see it, the run page is only for its workflow
    assert api.get(f"/v1/sessions/{sid}", headers=a.key).status_code == 404
    trail = api.get("/v1/audit", headers=a.key, params={"limit": 1000}).json()["items"]
    assert any(e["action"] == "session.created" and e["session_id"] == sid for e in trail)
    assert dev.get(f"/settings/workflows/{wf}/runs/{uuid.uuid4()}").status_code == 404
    assert dev.get(f"/settings/workflows/{wf}/runs/not-a-uuid").status_code == 404
    live_sid = world["session"]["session_id"]
    assert dev.get(f"/settings/workflows/{wf}/runs/{live_sid}").status_code == 404
    dev.close()
    other = _client(stack, world["people"][("b", "reviewer")])
    assert other.get(run_url).status_code == 403  # reviewers do not run workflows
    other.close()
    # a sandbox run never reaches the reviewers' queue, case pages or analytics
    owner = _client(stack, world["people"][("a", "owner")])
    assert sid not in owner.get("/queue").text
    assert f"/cases/{sid}" not in owner.get(f"/queue?q={sid}").text  # (the box echoes q)
    assert owner.get(f"/cases/{sid}").status_code == 404
    owner.close()
