"""One end user's full journey through the hosted pages (passport from the fake camera,
selfie, head-turn liveness, email and phone codes) up to the decision page. Used by the
browser tests and by `bench.hosted`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

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
Hook = Callable[[str], None]


def _noop(_: str) -> None:
    pass


def click_and_wait_url(page, selector: str, pattern: str, timeout: float = 60_000) -> None:
    page.click(selector)
    page.wait_for_url(re.compile(pattern), timeout=timeout)


def enter_code(page, code_for: Callable[[str], str], channel: str, target: str, shot: Hook) -> None:
    page.wait_for_url(re.compile(rf"/step/{channel}$"))
    shot(f"{channel}-enter")
    page.fill("#target", target)
    click_and_wait_url(page, "form button[type=submit]", r"sent=1")
    shot(f"{channel}-code")
    page.fill("#code", code_for(target))
    page.click("form button[type=submit]")


def do_liveness(page, cam: Path, frames_for, shot: Hook) -> list[str]:
    """Read the challenge's moves off the page, then perform them in front of the camera."""
    page.wait_for_url(re.compile(r"/step/liveness$"))
    shot("liveness-intro")
    page.click("#liveness-start")
    page.wait_for_selector("#liveness-record:not([hidden])")
    moves = page.eval_on_selector_all("#liveness-moves li", "els => els.map(e => e.dataset.move)")
    camera.write_y4m(cam, frames_for(moves))
    shot("liveness-challenge")
    page.click("#liveness-record")
    page.wait_for_selector("#liveness-caption:not(:empty)", timeout=10_000)
    return moves


def full_journey(
    page,
    url: str,
    cam: Path,
    code_for: Callable[[str], str],
    shot: Hook = _noop,
    on_step: Hook = _noop,
    live: Hook = _noop,
) -> dict[str, float]:
    """Drive the pages; the camera file is rewritten before each capture. `shot` is called
    on each page, `live` while the camera runs. Times (perf counter) of the last capture, the
    last input and the decision page."""
    camera.write_y4m(cam, camera.document_frames()[0])
    on_step("consent")
    page.goto(url)
    shot("consent")
    page.check("#agree")
    on_step("document")
    click_and_wait_url(page, "form[action$='/consent'] button", r"/step/document$")
    shot("document")
    page.check("#type-passport")
    page.select_option("#country", "FRA")
    on_step("document_front")
    click_and_wait_url(page, "form[action$='/document'] button", r"/step/document_front$")
    shot("front")
    page.click("#camera-start")
    live("front-camera")
    page.wait_for_url(re.compile(r"/step/selfie$"), timeout=60_000)
    on_step("selfie")
    camera.write_y4m(cam, camera.selfie_frames())
    shot("selfie")
    page.click("#camera-start")
    live("selfie-camera")
    page.wait_for_url(re.compile(r"/step/liveness$"), timeout=60_000)
    on_step("liveness")
    do_liveness(page, cam, camera.head_turn_frames, shot)
    live("liveness-recording")
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
    shot("done")
    return {"last_capture": last_capture, "last_input": last_input, "decided": decided}
