"""Device and behaviour signals on the platform, through the hosted pages with real requests:
the page's device report (automation hints, timezone against the IP country, a keyed device
hash and its velocity across the tenant's sessions), file uploads instead of the camera,
cross-device handoff, time per step and retakes; and face velocity through the stored
face templates."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import run_session, tenant_on, wait_decided

GB_IP = "81.2.69.142"
HEADLESS_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari"
PHONE_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari"
FACES = Path(__file__).resolve().parents[1] / "faces" / "data"


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


@pytest.fixture()
def web(stack):
    with httpx.Client(base_url=stack.hosted_url, timeout=60, follow_redirects=True) as c:
        yield c


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signals(session: dict) -> dict[str, dict]:
    risk = next(c for c in session["checks"] if c["check"] == "risk")
    return {s["code"]: s for s in risk["data"]["signals"]}


def _risk(session: dict) -> dict:
    return next(c for c in session["checks"] if c["check"] == "risk")


def _blank_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 200)).save(buf, "PNG")
    return buf.getvalue()


def _report(tz: str = "Asia/Tokyo", hints=("webdriver",), screen: str = "1280x900x24") -> dict:
    return {
        "timezone": tz,
        "hints": list(hints),
        "traits": {"platform": "Linux x86_64", "language": "en-GB", "cores": 8, "screen": screen},
    }


@pytest.fixture()
def risky_workflow(api, pg):
    key = tenant_on(api, pg, "Device Co")
    body = {
        "name": "selfie and risk",
        "steps": [
            {"check": "passive_liveness", "required": False},
            {
                "check": "risk",
                "params": {"retakes_limit": 2, "velocity_limits": {"device": 1}},
            },
        ],
    }
    r = api.post("/v1/workflows", headers=key, json=body)
    assert r.status_code == 201, r.text
    return key, r.json()["id"]


def _hosted_session(api, web, stack, key, wf, device: dict | None, ua: str, handoff=False):
    """One end user through the hosted pages (consent, a selfie uploaded from a file after
    two retakes) from a GB address; the decided session."""
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    path = _path(s["verification_url"])
    user = {"X-Forwarded-For": GB_IP, "User-Agent": ua}
    token = _csrf(web.get(path, headers=user).text)
    post = {"Origin": stack.hosted_url, "X-CSRF-Token": token, **user}
    if handoff:  # the desktop hands the flow to a phone by the copied link
        page = web.post(path + "/handoff", data={"csrf_token": token}, headers=post)
        copy_url = re.search(r'id="copy-url" value="([^"]+)"', page.text).group(1)
        moved = web.get(_path(copy_url), headers=user, follow_redirects=False)
        path = moved.headers["Location"]
        token = _csrf(web.get(path, headers=user).text)
        post["X-CSRF-Token"] = token
    if device is not None:
        r = web.post(path + "/device", json=device, headers=post)
        assert r.status_code == 200 and r.json() == {"ok": True}, r.text
    web.post(path + "/consent", data={"agree": "yes", "csrf_token": token}, headers=post)
    assert "selfie" in web.get(path + "/step/selfie", headers=user).url.path
    answers = [
        web.post(
            path + "/capture/selfie",
            data={"csrf_token": token, "source": "upload"},
            files={"file": ("me.png", _blank_png(), "image/png")},
            headers={**post, "Accept": "application/json"},
        )
        for _ in range(3)
    ]
    # two turned back by the quality gate (no face), the third goes in with its warning
    assert [a.status_code for a in answers] == [422, 422, 200], [a.text for a in answers]
    return wait_decided(api, key, s["session_id"], 120)


def test_device_report_behaviour_and_device_velocity(api, web, stack, pg, risky_workflow):
    key, wf = risky_workflow
    first = _hosted_session(api, web, stack, key, wf, _report(), HEADLESS_UA)
    signals = _signals(first)
    auto = signals["DEVICE_AUTOMATION"]
    assert auto["value"] == ["headless_ua", "webdriver"] and auto["contribution"] == 40
    tz = signals["DEVICE_TIMEZONE_MISMATCH"]
    assert tz["evidence"]["timezone"] == "Asia/Tokyo" and tz["evidence"]["ip"] == "GB"
    assert "JP" in tz["evidence"]["timezone_countries"]
    assert signals["DEVICE_FILE_UPLOAD"]["value"] == ["selfie"]
    fast = signals["BEHAVIOUR_FAST_STEPS"]
    assert fast["value"] == ["selfie"] and fast["evidence"]["seconds"]["selfie"] < 3
    retakes = signals["BEHAVIOUR_RETAKES"]
    assert retakes["value"] == 2 and retakes["evidence"]["retakes"] == {"selfie": 2}
    assert "VELOCITY_DEVICE" not in signals and "DEVICE_HANDOFF" not in signals
    risk = _risk(first)
    assert risk["data"]["behaviour"]["selfie"]["source"] == "upload"
    assert risk["data"]["devices"] == [
        {"via": "link", "timezone": "Asia/Tokyo", "automation": auto["value"], "reports": 1}
    ]
    assert risk["score"] == 100  # 40 + 20 + 10 + 20 + 10, capped
    codes = {w["code"] for w in risk["warnings"]}
    assert {"DEVICE_AUTOMATION", "BEHAVIOUR_RETAKES"} <= codes

    # The same browser (traits, user agent, timezone) in the next session: device velocity
    # with the first session as evidence; its handoff to a phone is a signal of its own.
    second = _hosted_session(api, web, stack, key, wf, _report(), HEADLESS_UA, handoff=True)
    signals = _signals(second)
    v = signals["VELOCITY_DEVICE"]
    assert v["value"] == 1 and v["evidence"]["session_ids"] == [first["session_id"]]
    hand = signals["DEVICE_HANDOFF"]
    assert hand["value"] == "link" and hand["evidence"]["handoff_devices"] == 1
    assert hand["contribution"] == 0  # listed with its evidence, weighted by the tenant

    # A person's phone in the UK: no automation, a timezone of the IP's country, another
    # device (no velocity).
    honest = _report("Europe/London", hints=(), screen="390x844x24")
    third = _hosted_session(api, web, stack, key, wf, honest, PHONE_UA)
    signals = _signals(third)
    for code in ("DEVICE_AUTOMATION", "DEVICE_TIMEZONE_MISMATCH", "VELOCITY_DEVICE"):
        assert code not in signals, signals
    # The device key is a keyed hash: nothing of the browser's traits is stored.
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT d.device_key, d.automation, d.timezone FROM session_devices d "
            "WHERE d.session_id = %s",
            (third["session_id"],),
        ).fetchall()
    assert len(rows) == 1 and re.fullmatch(r"[0-9a-f]{64}", rows[0]["device_key"])
    assert rows[0]["automation"] == [] and rows[0]["timezone"] == "Europe/London"


def test_bad_device_reports_are_refused(api, web, stack, pg, risky_workflow):
    key, wf = risky_workflow
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    path = _path(s["verification_url"])
    token = _csrf(web.get(path).text)
    post = {"Origin": stack.hosted_url, "X-CSRF-Token": token}
    bad = [
        {"hints": ["not-a-hint"]},
        {"timezone": "Europe/London; DROP"},
        {"traits": {f"t{i}": i for i in range(40)}},
        {"surprise": 1},
        [],
    ]
    for body in bad:
        r = web.post(path + "/device", json=body, headers=post)
        assert r.status_code == 422 and r.json()["ok"] is False, (body, r.text)
    r = web.post(path + "/device", content=b"{not json", headers=post)
    assert r.status_code == 422
    r = web.post(path + "/device", content=b"x" * 5000, headers=post)
    assert r.status_code == 413
    # without the page's CSRF token: refused like any other post
    r = web.post(path + "/device", json=_report(), headers={"Origin": stack.hosted_url})
    assert r.status_code == 403


def _selfie_session(api, key, wf, photo: str) -> dict:
    return run_session(
        api, key, wf, [("selfie", photo, (FACES / photo).read_bytes(), "image/jpeg")]
    )


@pytest.mark.slow  # ~6 s: four sessions through the face engine
def test_face_velocity_from_the_stored_templates(api, pg):
    key = tenant_on(api, pg, "Face Velocity Co")
    body = {
        "name": "face velocity",
        "steps": [{"check": "blocklist"}, {"check": "risk", "after": ["blocklist"]}],
    }
    r = api.post("/v1/workflows", headers=key, json=body)
    assert r.status_code == 201, r.text
    wf = r.json()["id"]
    first = _selfie_session(api, key, wf, "obama.jpg")
    assert "VELOCITY_FACE" not in _signals(first)
    again = _selfie_session(api, key, wf, "obama3.jpg")
    v = _signals(again)["VELOCITY_FACE"]
    assert v["value"] == 1 and v["evidence"]["session_ids"] == [first["session_id"]]
    assert v["evidence"]["best_similarity"] >= 80 and v["contribution"] == 35
    other = _selfie_session(api, key, wf, "biden.jpg")
    assert "VELOCITY_FACE" not in _signals(other)
    # Another tenant's sessions with the same face are not counted.
    key2 = tenant_on(api, pg, "Other Face Co")
    wf2 = api.post("/v1/workflows", headers=key2, json=body).json()["id"]
    assert "VELOCITY_FACE" not in _signals(_selfie_session(api, key2, wf2, "obama2.jpg"))


@pytest.mark.slow  # ~6 s: a browser
def test_the_page_reports_its_device_from_a_real_browser(api, stack, pg, risky_workflow):
    """static/device.js in headless Chromium driven by Playwright: it reports once, with its
    timezone, and the automation it is under (navigator.webdriver, a headless agent)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.hosted.browser import CHROMIUM, CHROMIUM_ARGS

    key, wf = risky_workflow
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(timezone_id="Europe/Paris").new_page()
            with page.expect_response(lambda r: r.url.endswith("/device")) as answer:
                page.goto(s["verification_url"])
            assert answer.value.status == 200
            page.reload()  # once per tab: no second report
            page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT timezone, automation, reports, via FROM session_devices WHERE session_id = %s",
            (s["session_id"],),
        ).fetchall()
    assert len(rows) == 1, rows
    assert rows[0]["timezone"] == "Europe/Paris" and rows[0]["reports"] == 1
    assert "webdriver" in rows[0]["automation"] and rows[0]["via"] == "link"
