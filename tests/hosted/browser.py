"""Chromium (Debian's package) driven by Playwright, headless, with a fake camera that plays
a Y4M file; screenshots and axe-core results of every step are kept under
tests/.artifacts/hosted/<test>/ (look at them)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.tls import self_signed

ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts" / "hosted"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def launch(pw, camera_file: Path):
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera_file}"],
    )


class Browsers:
    """One browser at a time, each started with its own fake-camera file (Chromium reads the
    file once per process): `open(frames)` closes the previous one and answers a new page."""

    def __init__(self, pw, workdir: Path, on_page=None, **context) -> None:
        self.pw, self.workdir, self.context = pw, workdir, context
        self.on_page = on_page
        self.browser = None
        self.n = 0

    def open(self, frames: list):
        from tests.hosted.camera import write_y4m

        self.close()
        self.n += 1
        cam = write_y4m(self.workdir / f"camera-{self.n}.y4m", frames)
        self.browser = launch(self.pw, cam)
        page = self.browser.new_context(**self.context).new_page()
        if self.on_page:
            self.on_page(page)
        return page

    def close(self) -> None:
        if self.browser is not None:
            self.browser.close()
            self.browser = None


@dataclass
class Recorder:
    """Screenshots + axe per step; also every request's origin (no third party)."""

    name: str
    steps: list[str] = field(default_factory=list)
    axe: dict[str, list[dict]] = field(default_factory=dict)
    origins: set[str] = field(default_factory=set)
    paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dir = ARTIFACTS / self.name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)

    def watch(self, page) -> None:
        page.on("request", self._request)

    def _request(self, request) -> None:
        self.origins.add(_origin(request.url))
        self.paths.append(urlsplit(request.url).path)

    def requested(self, suffix: str) -> int:
        """How many requests went to a path ending with `suffix`."""
        return sum(1 for p in self.paths if p.endswith(suffix))

    def shot_checked(self, page, step: str) -> None:
        """Screenshot + axe-core: any serious or critical violation fails."""
        serious = self.shot(page, step)
        assert not serious, (step, serious)

    def live(self, page, step: str) -> None:
        """A screenshot while the camera runs (the page may move on by itself)."""
        with contextlib.suppress(Exception):
            page.wait_for_selector(".viewport:not([hidden])", timeout=5_000)
            page.wait_for_timeout(400)
            self.shot(page, step, axe=False)

    def shot(self, page, step: str, axe: bool = True) -> list[dict]:
        n = len(self.steps) + 1
        self.steps.append(step)
        page.screenshot(path=str(self.dir / f"{n:02d}-{step}.png"), full_page=True)
        if not axe:
            return []
        from axe_playwright_python.sync_playwright import Axe

        result = Axe().run(page)
        serious = [
            {"id": v["id"], "impact": v["impact"], "nodes": [x["target"] for x in v["nodes"]]}
            for v in result.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        self.axe[f"{n:02d}-{step}"] = serious
        (self.dir / "axe.json").write_text(json.dumps(self.axe, indent=1))
        return serious


class StaticPage:
    """A loopback HTTP server answering one HTML page to every GET (the tenant's return
    page in the tests, the baseline page of the benchmark)."""

    def __init__(self, html: bytes, tls=None) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with contextlib.suppress(ConnectionError):  # the browser went away first
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(html)))
                    self.end_headers()
                    self.wfile.write(html)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:  # an ssl.SSLContext: the page is served over https
            self.server.socket = tls.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()


def _origin(url: str) -> str:
    m = re.match(r"^([a-z]+://[^/]+)", url)
    return m.group(1) if m else url.split(":", 1)[0]


class HttpsPage:
    """A tenant's own page on an https origin (loopback, self-signed: the browser context
    ignores certificate errors) that embeds the hosted link in an iframe and writes the
    messages it receives into `#messages`."""

    HTML = b"""<!doctype html><html lang="en"><title>Tenant shop</title>
<h1>Tenant shop</h1><ol id="messages"></ol>
<script>
window.addEventListener("message", function (e) {
  var li = document.createElement("li");
  li.textContent = JSON.stringify({origin: e.origin, data: e.data});
  document.getElementById("messages").appendChild(li);
});
var f = document.createElement("iframe");
f.src = new URLSearchParams(location.search).get("src");
f.title = "verification"; f.width = 420; f.height = 760;
f.allow = "camera";
document.body.appendChild(f);
</script>"""

    def __init__(self, workdir: Path) -> None:
        import ssl

        cert, key = self_signed(
            workdir / "tenant-cert.pem", workdir / "tenant-key.pem", "127.0.0.1"
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.page = StaticPage(self.HTML, tls=ctx)
        self.url = self.page.url

    def stop(self) -> None:
        self.page.stop()
