"""`python -m bench.hosted [--loads 20] [--journeys 3]`

On the real local stack, with Debian's Chromium headless and a fake camera:
1. time to first paint of a fresh verification link (first-contentful-paint, p50/p95), next to
   a bare static page served from loopback in the same run (the baseline);
2. bytes transferred per step of a full journey (passport, selfie, head-turn liveness, email
   and phone codes): down (responses) and up (request bodies);
3. time from the last capture (liveness frames sent) and from the last input (phone code) to
   the decision page, over a few full journeys.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections import defaultdict

import httpx
import psycopg

from bench.stack import bench_stack
from shared.local.demo import code_for
from shared.local.stack import Stack
from tests.hosted import camera
from tests.hosted.browser import DESKTOP, Browsers, StaticPage, launch
from tests.hosted.journey import JOURNEY_STEPS, full_journey

PAINT_JS = (
    "() => new Promise(r => { const f = () => { const e = performance.getEntriesByName("
    "'first-contentful-paint')[0]; e ? r(e.startTime) : setTimeout(f, 20); }; f(); })"
)


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * len(xs))) - 1))]


def _tenant(api: httpx.Client, admin_db: str) -> dict[str, str]:
    email = f"bench-{time.time_ns()}@hosted.example"
    api.post("/v1/register", json={"email": email, "organization": "Bench Co"}).raise_for_status()
    reg = api.post("/v1/register/verify", json={"email": email, "code": code_for(admin_db, email)})
    return {"Authorization": f"Bearer {reg.json()['api_key']}"}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hosted")
    p.add_argument("--loads", type=int, default=20)
    p.add_argument("--journeys", type=int, default=3)
    args = p.parse_args()
    bare = StaticPage(b"<!doctype html><html lang=en><title>bare</title><h1>Hello</h1><p>baseline")
    try:
        with bench_stack() as stack:
            _measure(stack, bare, args)
    finally:
        bare.stop()
    return 0


def _measure(stack: Stack, bare: StaticPage, args: argparse.Namespace) -> None:
    """The three measures of the module's docstring, printed, on the running `stack`."""
    from playwright.sync_api import sync_playwright

    data = stack.settings.data_dir
    cam = data / "camera.y4m"
    api = httpx.Client(base_url=stack.api_url, timeout=120)
    key = _tenant(api, stack.urls.admin_db)
    wf = api.post(
        "/v1/workflows",
        headers=key,
        json={
            "name": "bench",
            "steps": [
                {"check": "id_document", "params": {"accepted_document_types": ["passport"]}},
                {"check": "active_liveness"},
                {"check": "email"},
                {"check": "phone"},
            ],
        },
    ).json()["id"]

    sessions: list[str] = []

    def new_link() -> str:
        r = api.post("/v1/sessions", headers=key, json={"workflow_id": wf})
        sessions.append(r.json()["session_id"])
        return r.json()["verification_url"]

    camera.write_y4m(cam, camera.document_frames()[0])
    with sync_playwright() as pw:
        browser = launch(pw, cam)
        paint, base_paint = [], []
        for _ in range(args.loads):
            for url, out in (
                (new_link(), paint),
                (bare.url + "/", base_paint),
            ):
                ctx = browser.new_context(viewport=DESKTOP)
                page = ctx.new_page()
                page.goto(url)
                out.append(page.evaluate(PAINT_JS))
                ctx.close()
        b50 = statistics.median(base_paint)
        p50 = statistics.median(paint)
        print(
            f"\nfirst contentful paint of a fresh link, {args.loads} loads "
            "(new browser context each)"
        )
        print(f"  hosted link  p50 {p50:.0f} ms  p95 {_pct(paint, 0.95):.0f} ms")
        print(f"  bare page    p50 {b50:.0f} ms  (baseline; ratio x{p50 / b50:.2f})")

        browser.close()
        down: dict[str, int] = defaultdict(int)
        up: dict[str, int] = defaultdict(int)
        after_capture, after_input = [], []
        for i in range(args.journeys):
            step = {"name": "consent"}

            def on_page(page, step=step, first=(i == 0)):
                if not first:
                    return

                def on_finished(request):
                    # what went over the wire: bodies and headers, both ways (the
                    # multipart uploads too, which post_data cannot show)
                    with contextlib.suppress(Exception):
                        sizes = request.sizes()
                        down[step["name"]] += max(0, sizes["responseBodySize"]) + max(
                            0, sizes["responseHeadersSize"]
                        )
                        up[step["name"]] += max(0, sizes["requestBodySize"]) + max(
                            0, sizes["requestHeadersSize"]
                        )

                page.on("requestfinished", on_finished)

            browsers = Browsers(pw, data, on_page, viewport=DESKTOP)
            link = new_link()
            if i == 0:
                journey_session = sessions[-1]
            times = full_journey(
                browsers.open,
                link,
                lambda target: code_for(stack.urls.admin_db, target),
                on_step=lambda name, step=step: step.update(name=name),
            )
            after_capture.append(times["decided"] - times["last_capture"])
            after_input.append(times["decided"] - times["last_input"])
            browsers.close()
    # Chromium reports a multipart body built from blobs (the camera captures) as
    # empty: the files the API stored for the journey's session are their size.
    with psycopg.connect(stack.urls.admin_db) as conn:
        rows = conn.execute(
            "SELECT kind, sum(size_bytes) FROM artifacts WHERE session_id = %s GROUP BY kind",
            (journey_session,),
        ).fetchall()
    kind_step = {"document_front": "document_front", "selfie": "selfie"}
    files: dict[str, int] = defaultdict(int)
    for kind, size in rows:
        files[kind_step.get(kind, "liveness" if kind.startswith("liveness") else kind)] += size
    print("\nbytes per step of one journey (down = responses, up = requests, headers")
    print("included, as Chromium reports them; files = the captures the API stored)")
    print(f"  {'step':<16}{'down KB':>10}{'up KB':>10}{'files KB':>10}")
    for name in JOURNEY_STEPS:
        print(
            f"  {name:<16}{down[name] / 1024:>10.1f}{up[name] / 1024:>10.1f}"
            f"{files[name] / 1024:>10.1f}"
        )
    print(
        f"  {'total':<16}{sum(down.values()) / 1024:>10.1f}{sum(up.values()) / 1024:>10.1f}"
        f"{sum(files.values()) / 1024:>10.1f}"
    )
    print(f"\nto the decision page, {args.journeys} journeys")
    print(
        f"  from the last capture (liveness frames sent): p50 "
        f"{statistics.median(after_capture):.2f} s, max {max(after_capture):.2f} s"
    )
    print(
        f"  from the last input (phone code confirmed):    p50 "
        f"{statistics.median(after_input):.2f} s, max {max(after_input):.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
