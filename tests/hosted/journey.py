"""One end user's full journey through the hosted pages (passport from the fake camera,
selfie, head-turn liveness, email and phone codes) up to the decision page. Used by the
browser tests and by `bench.hosted`.

Chromium reads its fake-camera file once per browser process, so each camera source (the
document, the selfie, the head turns) gets its own browser on the same link: the pages pick
up where the session is, as they do when a user reloads or changes device."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from tests.hosted import camera

PHONE = "+14155552671"
EMAIL = "jane.doe@example.com"
JOURNEY_STEPS = (
    "consent",
    "document",
    "document_front",
    "selfie",
    "liveness",
    "email",
    "phone",
    "checking",
    "done",
)
PageHook = Callable[[object, str], None]


def _noop(*_: object) -> None:
    pass


def click_and_wait_url(page, selector: str, pattern: str, timeout: float = 60_000) -> None:
    page.click(selector)
    page.wait_for_url(re.compile(pattern), timeout=timeout)


def enter_code(
    page, code_for: Callable[[str], str], channel: str, target: str, shot: PageHook
) -> None:
    page.wait_for_url(re.compile(rf"/step/{channel}$"))
    shot(page, f"{channel}-enter")
    page.fill("#target", target)
    click_and_wait_url(page, "form button[type=submit]", r"sent=1")
    shot(page, f"{channel}-code")
    page.fill("#code", code_for(target))
    page.click("form button[type=submit]")


def read_challenge(page, shot: PageHook) -> list[str]:
    """Start the liveness step: the server's moves, as the page lists them."""
    page.wait_for_url(re.compile(r"/step/liveness$"))
    shot(page, "liveness-intro")
    page.click("#liveness-start")
    page.wait_for_selector("#liveness-record:not([hidden])")
    shot(page, "liveness-challenge")
    return page.eval_on_selector_all("#liveness-moves li", "els => els.map(e => e.dataset.move)")


def record_moves(page) -> None:
    page.click("#liveness-record")
    page.wait_for_selector("#liveness-caption:not(:empty)", timeout=10_000)


def full_journey(
    open_page: Callable[[list], object],
    url: str,
    code_for: Callable[[str], str],
    shot: PageHook = _noop,
    on_step: Callable[[str], None] = _noop,
    live: PageHook = _noop,
) -> dict[str, float]:
    """Drive the pages. `open_page(frames)` starts a browser whose camera plays `frames`
    and answers a new page; `shot` is called on each page, `live` while the camera runs.
    Times (perf counter) of the last capture, the last input and the decision page."""
    page = open_page(camera.document_frames()[0])
    on_step("consent")
    page.goto(url)
    shot(page, "consent")
    page.check("#agree")
    on_step("document")
    click_and_wait_url(page, "form[action$='/consent'] button", r"/step/document$")
    shot(page, "document")
    page.check("#type-passport")
    page.select_option("#country", "FRA")
    on_step("document_front")
    click_and_wait_url(page, "form[action$='/document'] button", r"/step/document_front$")
    shot(page, "front")
    page.click("#camera-start")
    page.wait_for_selector(".viewport:not([hidden]) .guide.card", timeout=10_000)
    guide_ratio = page.eval_on_selector(
        ".guide.card", "e => { const r = e.getBoundingClientRect(); return r.width / r.height; }"
    )
    live(page, "front-camera")
    page.wait_for_url(re.compile(r"/step/selfie$"), timeout=60_000)
    page = open_page(camera.selfie_frames())
    on_step("selfie")
    page.goto(url)
    page.wait_for_url(re.compile(r"/step/selfie$"))
    shot(page, "selfie")
    page.click("#camera-start")
    live(page, "selfie-camera")
    page.wait_for_url(re.compile(r"/step/liveness$"), timeout=60_000)
    on_step("liveness")
    moves = read_challenge(page, shot)
    # the user does the moves in front of the camera (reopened on the same, pending challenge)
    page = open_page(camera.head_turn_frames(moves))
    page.goto(url)
    page.wait_for_url(re.compile(r"/step/liveness$"))
    assert read_challenge(page, _noop) == moves
    record_moves(page)
    live(page, "liveness-recording")
    page.wait_for_url(re.compile(r"/step/email$"), timeout=60_000)
    last_capture = time.perf_counter()
    on_step("email")
    enter_code(page, code_for, "email", EMAIL, shot)
    page.wait_for_url(re.compile(r"/step/phone$"), timeout=30_000)
    on_step("phone")
    enter_code(page, code_for, "phone", PHONE, shot)
    last_input = time.perf_counter()
    page.wait_for_url(re.compile(r"/v/[^/]+$"), timeout=30_000)
    on_step("checking")
    page.wait_for_selector("body[data-page=done]", timeout=180_000)
    decided = time.perf_counter()
    on_step("done")
    shot(page, "done")
    return {
        "last_capture": last_capture,
        "last_input": last_input,
        "decided": decided,
        "guide_ratio": guide_ratio,
        "page": page,
    }
