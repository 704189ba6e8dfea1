"""The hosted flow in a real browser: Chromium with a fake camera, end to end."""

from __future__ import annotations

import re

import pytest

from shared.crypto.envelope import load_master_key
from shared.local.demo import code_for as sealed_code_for
from tests.hosted import camera
from tests.hosted.browser import DESKTOP, MOBILE, Browsers, Recorder, launch
from tests.hosted.journey import (
    click_and_wait_url,
    enter_code,
    full_journey,
    read_challenge,
    record_moves,
)

sync_api = pytest.importorskip("playwright.sync_api")


def _workflow(api, key, steps) -> str:
    r = api.post("/v1/workflows", headers=key, json={"name": "hosted", "steps": steps})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _session(api, key, wf, **extra) -> dict:
    r = api.post("/v1/sessions", headers=key, json={"workflow_id": wf, **extra})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.xfail(
    reason="the whole journey runs to the redirect, but the synthetic head warp's look_down "
    "is not seen by the pose estimate at 640x480 (CHALLENGE_NOT_COMPLETED), so the session "
    "is declined instead of approved: open work, see docs/hosted.md",
    strict=False,
)
def test_same_device_passport_liveness_otps_to_redirect(
    stack, pg, api, tenant, return_url, tmp_path
):
    wf = _workflow(
        api,
        tenant,
        [
            {"check": "id_document", "params": {"accepted_document_types": ["passport"]}},
            {"check": "active_liveness"},
            {"check": "email"},
            {"check": "phone"},
        ],
    )
    s = _session(api, tenant, wf, redirect_url=return_url)
    url = s["verification_url"]
    assert url.startswith(stack.hosted_url + "/v/") and s["session_token"] not in url
    rec = Recorder("same_device_desktop")
    with sync_api.sync_playwright() as pw:
        browsers = Browsers(pw, tmp_path, rec.watch, viewport=DESKTOP, locale="en-GB")
        times = full_journey(
            browsers.open,
            url,
            lambda target: sealed_code_for(
                pg.urls.admin_db, target, master_key=load_master_key(pg.settings)
            ),
            rec.shot_checked,
            live=rec.live,
        )
        page = times["page"]
        status = page.get_attribute("h1", "data-status")
        page.wait_for_url(re.compile(re.escape(return_url)), timeout=15_000)
        rec.shot(page, "returned", axe=False)
        assert f"session_id={s['session_id']}" in page.url and f"status={status}" in page.url
        browsers.close()
    got = api.get(f"/v1/sessions/{s['session_id']}", headers=tenant).json()
    checks = {c["check"]: c for c in got["checks"]}
    live = checks["active_liveness"]
    assert live["status"] == "passed", (
        live["warnings"],
        {k: live["data"].get(k) for k in ("completed", "missing", "out_of_order")},
    )
    assert checks["email"]["status"] == "passed" and checks["phone"]["status"] in (
        "passed",
        "warning",
    )
    assert checks["id_document"]["data"]["fields"]["document_number"], checks["id_document"]
    assert status == got["status"] == "approved", (got["decision"], checks)
    assert times["decided"] - times["last_capture"] < 120
    # nothing but our own origins was requested
    assert rec.origins <= {stack.hosted_url, return_url.rsplit("/", 2)[0]}, rec.origins
    # the link token never reaches a log
    token = url.rsplit("/", 1)[-1]
    for log in (stack.root / "logs").glob("*.log"):
        assert token not in log.read_text(errors="replace"), log.name


def test_replayed_photo_fails_liveness_in_arabic_on_a_phone(
    stack, pg, api, tenant, return_url, tmp_path
):
    """A still photo played to the camera: the selfie passes its quality check, the head-turn
    challenge cannot be done, active liveness fails and the session is declined. The pages
    are in Arabic (right to left), on a phone-sized viewport."""
    wf = _workflow(api, tenant, [{"check": "active_liveness"}])
    s = _session(api, tenant, wf, redirect_url=return_url, language="ar")
    rec = Recorder("replay_rtl_mobile")
    cam = camera.write_y4m(tmp_path / "camera.y4m", camera.still_frames())
    with sync_api.sync_playwright() as pw:
        browser = launch(pw, cam)
        ctx = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.goto(s["verification_url"])
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.get_attribute("html", "lang") == "ar"
        assert page.evaluate("document.activeElement.tagName") == "H1"
        assert not rec.shot(page, "consent")
        page.check("#agree")
        click_and_wait_url(page, "form[action$='/consent'] button", r"/step/selfie$")
        assert not rec.shot(page, "selfie")
        page.click("#camera-start")
        read_challenge(page, rec.shot_checked)
        record_moves(page)  # the replayed photo cannot do them
        page.wait_for_selector("body[data-page=done]", timeout=180_000)
        status = page.get_attribute("h1", "data-status")
        assert not rec.shot(page, "done")
        page.wait_for_url(re.compile(re.escape(return_url)), timeout=15_000)
        assert "status=declined" in page.url
        browser.close()
    got = api.get(f"/v1/sessions/{s['session_id']}", headers=tenant).json()
    live = next(c for c in got["checks"] if c["check"] == "active_liveness")
    codes = {w["code"] for w in live["warnings"]}
    assert live["status"] == "failed" and codes & {"FRAMES_STATIC", "CHALLENGE_NOT_COMPLETED"}
    assert status == got["status"] == "declined"


def test_cross_device_desktop_hands_off_to_a_phone(stack, pg, api, tenant, return_url, tmp_path):
    """The desktop starts, shows a QR code and a link; the phone (another browser context)
    opens the link, takes the selfie and enters the code; the desktop follows and finishes."""
    wf = _workflow(api, tenant, [{"check": "passive_liveness"}, {"check": "email"}])
    s = _session(api, tenant, wf, redirect_url=return_url)
    rec = Recorder("cross_device")
    cam = camera.write_y4m(tmp_path / "camera.y4m", camera.selfie_frames())
    with sync_api.sync_playwright() as pw:
        browser = launch(pw, cam)
        desk = browser.new_context(viewport=DESKTOP, locale="fr-FR").new_page()
        desk.goto(s["verification_url"])
        assert 'lang="fr"' in desk.content()
        desk.check("#agree")
        click_and_wait_url(desk, "form[action$='/consent'] button", r"/step/selfie$")
        desk.click("#handoff-button")
        desk.wait_for_selector("svg.qr")
        assert not rec.shot(desk, "desktop-handoff")
        link = desk.input_value("#copy-url")
        assert "/h/vh_" in link
        phone_ctx = browser.new_context(viewport=MOBILE, is_mobile=True, has_touch=True)
        phone = phone_ctx.new_page()
        phone.goto(link)
        phone.wait_for_url(re.compile(r"/v/vl_[^/]+"))
        assert not rec.shot(phone, "phone-selfie")
        phone.click("#camera-start")

        def code_for(target):
            return sealed_code_for(
                pg.urls.admin_db, target, master_key=load_master_key(pg.settings)
            )

        enter_code(phone, code_for, "email", "phone.user@example.com", rec.shot_checked)
        desk.wait_for_selector("body[data-page=checking], body[data-page=done]", timeout=60_000)
        rec.shot(desk, "desktop-follows", axe=False)
        desk.wait_for_selector("body[data-page=done]", timeout=180_000)
        assert not rec.shot(desk, "desktop-done")
        phone.wait_for_selector("body[data-page=done]", timeout=60_000)
        rec.shot(phone, "phone-done", axe=False)
        # the handoff link worked once
        again = phone_ctx.new_page()
        resp = again.goto(link)
        assert resp.status == 410
        browser.close()
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT handoff_method FROM sessions WHERE id = %s", (s["session_id"],)
        ).fetchone()
    assert row["handoff_method"] == "link"
