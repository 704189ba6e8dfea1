"""The review console in Chromium (Debian's, headless, driven by Playwright): an owner
invites a reviewer, who signs in with a TOTP code, finds the session the documents + face
workflow sent to review, looks at the document and the selfie, declines with a reason; the
webhook and the audit entry follow. Four eyes, a viewer who cannot act, another tenant's
reviewer who gets 404, the PDF report's text. Screenshots (and axe-core results) of every
page are kept under tests/.artifacts/console/<test>/."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from pathlib import Path

import pdfplumber
import pytest

from tests.console.helpers import (
    Person,
    activate_in_browser,
    decided_hook,
    invite_by_api,
    review_tenant,
    session_in_review,
    sign_in_browser,
)
from tests.hosted.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, Recorder

ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts" / "console"

pytestmark = pytest.mark.timeout(600)


class Shots(Recorder):
    def __post_init__(self) -> None:
        self.dir = ARTIFACTS / self.name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)


def _email(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:8]}@team.example"


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, rec: Recorder):
    page = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    rec.watch(page)
    return page


def _images_loaded(page) -> dict[str, int]:
    return page.eval_on_selector_all(
        "img.evidence-img",
        "els => Object.fromEntries("
        "els.map(e => [e.closest('figure').dataset.kind, e.naturalWidth]))",
    )


def _pdf_text(page, url: str) -> tuple[str, dict[str, str]]:
    r = page.request.get(url)
    assert r.status == 200 and r.body().startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(r.body())) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages), r.headers


def test_reviewer_invited_signs_in_and_declines(stack, pg, api, receiver, passport, browser):
    t = review_tenant(api, pg, "Console Co", receiver)
    s = session_in_review(api, t, passport.front, "customer-7")
    sid = s["session_id"]
    rec = Shots("reviewer_declines")
    owner = Person(_email("owner"), "owner", "Olivia Owner")
    reviewer = Person(_email("reviewer"), "reviewer", "Rita Reviewer")
    invite_by_api(api, t, owner.email, "owner")

    page = _page(browser, rec)
    activate_in_browser(page, pg, owner, rec.shot_checked)
    sign_in_browser(page, stack.console_url, owner, rec.shot_checked)
    page.goto(f"{stack.console_url}/team")
    page.fill("#invite-email", reviewer.email)
    page.select_option("#invite-role", "reviewer")
    page.click("#invite")
    page.wait_for_selector("#invited")
    rec.shot_checked(page, "team-invited")

    page = _page(browser, rec)  # the reviewer's own browser
    activate_in_browser(page, pg, reviewer, rec.shot_checked)
    sign_in_browser(page, stack.console_url, reviewer, rec.shot_checked)
    rec.shot_checked(page, "queue")
    first = page.locator("#queue tbody tr").first
    assert first.get_attribute("data-session") == sid  # in review comes first
    assert "in_review" in first.inner_text()
    first.locator("a").click()
    page.wait_for_url(re.compile(rf"/cases/{sid}$"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.evidence-img')].every(i => i.complete)"
    )
    loaded = _images_loaded(page)
    assert loaded.get("document_front", 0) > 100 and loaded.get("selfie", 0) > 100, loaded
    assert page.inner_text("#status") == "in_review"
    assert page.locator("#mrz tbody tr").count() >= 4  # each check digit
    assert re.fullmatch(r"\d+(\.\d+)?", page.inner_text("#similarity"))
    rec.shot_checked(page, "case")
    page.click("button.rotate")
    page.click("button.zoom")
    rec.shot(page, "case-zoomed", axe=False)
    page.click("button.zoom")

    page.click("#claim")
    page.wait_for_selector("#submit-decision")
    assert page.inner_text("#assignee") == reviewer.name
    page.check("#action-decline")
    codes = page.eval_on_selector_all("input[name=reason_codes]", "els => els.map(e => e.value)")
    reason = codes[0] if codes else "FACE_MISMATCH"
    if codes:
        page.check(f"#reason-{reason}")
    else:
        page.select_option("#more-reasons", reason)
    page.fill("#note", "portrait and selfie are different people")
    rec.shot_checked(page, "case-deciding")
    page.click("#submit-decision")
    page.wait_for_selector("#done")
    assert page.inner_text("#status") == "declined"
    assert reason in page.inner_text("#codes")
    rec.shot_checked(page, "case-declined")

    hook = decided_hook(receiver, sid, "declined")
    assert hook is not None and hook["verified"], receiver.received
    assert reason in hook["body"]["data"]["reason_codes"]
    trail = api.get(f"/v1/sessions/{sid}/audit", headers=t.key).json()["items"]
    reviewed = [e for e in trail if e["action"] == "session.reviewed"]
    assert len(reviewed) == 1 and reviewed[0]["actor"]["type"] == "user"
    assert reviewed[0]["actor"]["name"] == reviewer.name
    assert reviewed[0]["details"]["reason_codes"] == [reason]
    got = api.get(f"/v1/sessions/{sid}", headers=t.key).json()
    assert got["decision"]["reviewer"]["name"] == reviewer.name
    assert got["decision"]["automatic"]["status"] == "in_review"
    # the webhook's delivery and the audit entry on the case's timeline
    page.reload()
    page.wait_for_function(
        "() => document.querySelector('#timeline').innerText.includes('webhook')", timeout=30_000
    )
    timeline = page.inner_text("#timeline")
    assert "session.reviewed" in timeline and reviewer.name in timeline
    rec.shot_checked(page, "case-timeline")

    text, headers = _pdf_text(page, f"{stack.console_url}/cases/{sid}/report.pdf")
    assert sid in text and "declined" in text and reason in text
    assert reviewer.name in text and "session.reviewed" in text
    assert headers["x-report-id"] in text
    verify = api.get(f"/v1/reports/{headers['x-report-id']}", headers=t.key).json()
    assert verify["sha256"] == headers["x-report-sha256"]

    page.goto(f"{stack.console_url}/analytics")
    assert page.locator("svg.chart").count() == 4
    rec.shot_checked(page, "analytics")
    # nothing but the console itself was requested
    assert rec.origins <= {stack.console_url}, rec.origins


def test_four_eyes_a_viewer_and_another_tenant(stack, pg, api, receiver, passport, browser):
    t = review_tenant(api, pg, "Four Eyes Co", receiver)
    other = review_tenant(api, pg, "Other Co")
    s = session_in_review(api, t, passport.front, "customer-8")
    sid = s["session_id"]
    rec = Shots("four_eyes_viewer_other_tenant")
    people = {
        "owner": Person(_email("owner"), "owner", "Otto Owner"),
        "r1": Person(_email("reviewer"), "reviewer", "Rene First"),
        "r2": Person(_email("reviewer"), "reviewer", "Sam Second"),
        "viewer": Person(_email("viewer"), "viewer", "Vera Viewer"),
    }
    for p in people.values():
        invite_by_api(api, t, p.email, p.role)
    stranger = Person(_email("reviewer"), "reviewer", "Xander Elsewhere")
    invite_by_api(api, other, stranger.email, "reviewer")
    page = _page(browser, rec)
    for p in [*people.values(), stranger]:
        page.context.clear_cookies()
        activate_in_browser(page, pg, p)

    # the owner asks for four eyes on declines
    sign_in_browser(page, stack.console_url, people["owner"])
    page.goto(f"{stack.console_url}/team")
    page.check("#four-eyes")
    page.click("#save-four-eyes")
    page.wait_for_url(re.compile(r"/team$"))
    assert page.is_checked("#four-eyes")
    rec.shot_checked(page, "team-four-eyes")

    # the first reviewer proposes the decline: the session stays in review
    sign_in_browser(page, stack.console_url, people["r1"])
    page.goto(f"{stack.console_url}/cases/{sid}")
    page.click("#claim")
    page.wait_for_selector("#submit-decision")
    page.check("#action-decline")
    page.select_option("#more-reasons", "FACE_MISMATCH")
    page.click("#submit-decision")
    page.wait_for_selector("#proposal")
    assert page.inner_text("#status") == "in_review"
    assert page.locator("#confirm-decline").count() == 0  # not by the proposer
    rec.shot_checked(page, "decline-proposed")
    assert api.get(f"/v1/sessions/{sid}", headers=t.key).json()["status"] == "in_review"

    # a viewer sees the case and cannot act
    sign_in_browser(page, stack.console_url, people["viewer"])
    page.goto(f"{stack.console_url}/cases/{sid}")
    assert page.locator("#actions-h").count() == 0 and page.locator("#claim").count() == 0
    rec.shot_checked(page, "viewer-case")
    token = page.input_value("input[name=csrf_token]")  # the sign-out form's
    r = page.request.post(
        f"{stack.console_url}/cases/{sid}/claim",
        form={"csrf_token": token},
        headers={"Origin": stack.console_url},
    )
    assert r.status == 403 and "may not" in r.text()

    # another tenant's reviewer: the case does not exist for them
    sign_in_browser(page, stack.console_url, stranger)
    resp = page.goto(f"{stack.console_url}/cases/{sid}")
    assert resp.status == 404
    rec.shot_checked(page, "other-tenant-404")
    resp = page.goto(f"{stack.console_url}/cases/{sid}/report.pdf")
    assert resp.status == 404

    # the second reviewer confirms: declined, with the proposer's reason
    sign_in_browser(page, stack.console_url, people["r2"])
    page.goto(f"{stack.console_url}/cases/{sid}")
    rec.shot_checked(page, "second-reviewer")
    page.fill("#confirm-note", "confirmed")
    page.click("#confirm-decline")
    page.wait_for_selector("#done")
    assert page.inner_text("#status") == "declined"
    assert "FACE_MISMATCH" in page.inner_text("#codes")
    rec.shot_checked(page, "declined-by-two")
    hook = decided_hook(receiver, sid, "declined")
    assert hook is not None and hook["body"]["data"]["reason_codes"] == ["FACE_MISMATCH"]
    decided = [
        m["body"]["data"]["status"]
        for m in receiver.received
        if m["body"].get("type") == "session.decided" and m["body"]["data"]["session_id"] == sid
    ]
    assert decided == ["in_review", "declined"]  # nothing on the proposal
    trail = api.get(f"/v1/sessions/{sid}/audit", headers=t.key).json()["items"]
    actions = [(e["action"], e["actor"]["name"]) for e in trail]
    assert ("case.decline_proposed", "Rene First") in actions
    assert ("session.reviewed", "Sam Second") in actions


@pytest.mark.slow
def test_case_panels_actions_and_settings_screens(stack, pg, api, passport, browser):
    """Every panel of the case page and the configuration screens, in Chromium (screenshots
    and axe-core): a reviewer dismisses an AML match with a reason and mentions the owner in
    a note; the owner sees the mention, the team, workflow diff, webhooks, SSO, retention."""
    from tests.console.helpers import seed_results

    t = review_tenant(api, pg, "Panels Co")
    sid = session_in_review(api, t, passport.front, "customer-panels")["session_id"]
    seed_results(pg, sid)
    rec = Shots("case_panels")
    owner = Person(_email("owner"), "owner", "Olivia Owner")
    reviewer = Person(_email("reviewer"), "reviewer", "Rita Reviewer")
    for p in (owner, reviewer):
        invite_by_api(api, t, p.email, p.role)

    owner_page = _page(browser, rec)
    activate_in_browser(owner_page, pg, owner)  # mentions name active people only
    page = _page(browser, rec)
    activate_in_browser(page, pg, reviewer)
    sign_in_browser(page, stack.console_url, reviewer)
    page.goto(f"{stack.console_url}/cases/{sid}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.evidence-img')].every(i => i.complete)"
    )
    assert page.eval_on_selector("#chip-portrait", "e => e.naturalWidth") > 10
    assert page.locator("#fields tbody tr").count() >= 4
    assert "tampering suspected" in page.inner_text("#poa")
    assert "screen replay" in page.inner_text("#liveness")
    rec.shot_checked(page, "case-panels")
    page.fill("#aml-reason-1", "date of birth differs from the listed person")
    page.click("#aml-dismiss-1")
    page.wait_for_selector("#disposition-1")
    page.fill("#note-body", f"@{owner.email.split('@')[0]} please confirm the AML dismissal")
    page.click("#add-note")
    page.wait_for_selector(".note-body")
    rec.shot_checked(page, "case-noted")

    page = owner_page
    sign_in_browser(page, stack.console_url, owner)
    page.goto(f"{stack.console_url}/mentions")
    assert "please confirm" in page.inner_text("#mentions")
    rec.shot_checked(page, "mentions")
    for path, name in (
        ("/team", "team"),
        ("/settings/sso", "sso"),
        ("/settings/retention", "retention"),
        ("/settings/branding", "branding"),
        ("/settings/webhooks", "webhooks"),
        ("/settings/workflows", "workflows"),
    ):
        page.goto(stack.console_url + path)
        rec.shot_checked(page, name)
    page.goto(f"{stack.console_url}/settings/workflows/{t.workflow_id}")
    text = page.input_value("#definition").replace(
        '"name": "documents + face, reviewed"', '"name": "renamed"'
    )
    page.fill("#definition", text)
    page.click("#save-workflow")
    page.wait_for_selector("#diff")
    rec.shot_checked(page, "workflow-diff")
    # run it in the sandbox: the page follows the run to its decision
    page.select_option("#outcome-face_match", "declined")
    page.click("#run-workflow")
    page.wait_for_selector("#run-decided", timeout=90_000)
    assert "FACE_MATCH_FAILED" in page.inner_text("#run-decision")
    rec.shot_checked(page, "workflow-sandbox-run")
    # API keys: the secret shown once
    page.goto(f"{stack.console_url}/settings/api-keys")
    page.fill("#key-name", "reporting job")
    page.check("input[name=scopes][value='sessions:read']")
    page.click("#create")
    page.wait_for_selector("#secret")
    assert page.inner_text("#secret").startswith("idm_")
    rec.shot_checked(page, "api-keys-created")
    # the blocklist: a value added with a reason, shown as a hint only
    page.goto(f"{stack.console_url}/settings/blocklist")
    page.select_option("#kind", "email")
    page.fill("#value", "mule.account@example.org")
    page.fill("#reason", "confirmed money mule")
    page.click("#add")
    page.wait_for_selector("#added")
    assert "m***@example.org" in page.inner_text("#entries")
    assert "mule.account" not in page.content()
    rec.shot_checked(page, "blocklist")
