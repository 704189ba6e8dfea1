"""Image bombs through the platform: refused from the header with a 4xx problem or an
`error` result, fast, and the API process's peak memory stays where it was."""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image

from shared.db.cluster import free_port
from shared.local.process import FunctionProcess, LocalFunction
from tests.conftest import create_workflow, tenant_on
from tests.imaging.bombs import BOMBS, png_bomb, png_header_then_html, png_then_html

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"


@pytest.fixture(scope="module")
def own_api(pg, stack):
    """An API process of this module's own, so its peak RSS (VmHWM) is ours to read; it
    forwards standalone checks to the stack's check functions."""
    spec = LocalFunction(name="api", target="api", folder="api", port=free_port())
    proc = FunctionProcess(spec, {**pg.env(), **stack.function_call_env()}, pg.data_dir / "logs")
    proc.start()
    try:
        proc.wait_ready(60)
        yield spec.url, proc.proc.pid
    finally:
        proc.stop()


def _hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _jpeg(size=(640, 480)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (90, 120, 160)).save(buf, format="JPEG")
    return buf.getvalue()


def test_bombs_as_selfies_and_standalone_checks_are_refused_fast_in_bounded_memory(
    own_api, pg, stack
):
    url, pid = own_api
    # The standalone check decodes in the passive_liveness function: its memory counts too.
    fn_pid = stack.processes["passive_liveness"].proc.pid
    with httpx.Client(base_url=url, timeout=60) as api:
        key = tenant_on(api, pg, "Bomb Co")
        wf = create_workflow(api, key, {"name": "selfie", "steps": [{"check": "passive_liveness"}]})
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
        user = {"Authorization": f"Bearer {s['session_token']}"}
        # warm the process (first upload, first standalone check) before the baseline
        api.post(
            f"/v1/sessions/{s['session_id']}/artifacts",
            headers=user,
            data={"kind": "selfie"},
            files={"file": ("ok.jpg", _jpeg(), "image/jpeg")},
        ).raise_for_status()
        warm = api.post(  # the face models load here, not during the bombs
            "/v1/checks/passive_liveness",
            headers=key,
            files={"image": ("obama.jpg", (FACES / "obama.jpg").read_bytes(), "image/jpeg")},
        )
        assert warm.status_code == 200 and warm.json()["status"] != "error", warm.text
        baseline, fn_baseline = _hwm_mb(pid), _hwm_mb(fn_pid)

        def upload(fmt: str) -> httpx.Response:
            return api.post(
                f"/v1/sessions/{s['session_id']}/artifacts",
                headers=user,
                data={"kind": "selfie"},
                files={"file": (f"bomb.{fmt}", BOMBS[fmt](), "application/octet-stream")},
            )

        def standalone(fmt: str) -> httpx.Response:
            return api.post(
                "/v1/checks/passive_liveness",
                headers=key,
                files={"image": (f"bomb.{fmt}", BOMBS[fmt](), "application/octet-stream")},
            )

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            uploads = list(pool.map(upload, ["png"] * 8))
            checks = list(pool.map(standalone, ["png"] * 8))
        elapsed = time.perf_counter() - started
        for r in uploads:
            assert r.status_code == 413, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["type"].endswith("/image-too-large")
        for r in checks:
            assert r.status_code < 500, r.text
            body = r.json()
            if r.status_code == 200:
                assert body["status"] == "error" and body["warnings"][0]["code"] == "IMAGE_INVALID"
        assert elapsed < 10, elapsed
        assert _hwm_mb(pid) - baseline < 100, (baseline, _hwm_mb(pid))
        assert _hwm_mb(fn_pid) - fn_baseline < 100, (fn_baseline, _hwm_mb(fn_pid))

        for fmt in ("gif", "jpeg", "tiff", "webp"):
            r = upload(fmt)
            assert r.status_code in (413, 415), (fmt, r.text)
            c = standalone(fmt)
            assert c.status_code < 500 and (c.status_code != 200 or c.json()["status"] == "error")
        assert _hwm_mb(pid) - baseline < 100
        assert _hwm_mb(fn_pid) - fn_baseline < 100

        # Only the warm-up selfie was stored.
        got = api.get(f"/v1/sessions/{s['session_id']}", headers=key).json()
        assert len(got["artifacts"]) == 1


def test_png_signature_followed_by_html_is_not_accepted_as_an_image(client, pg):
    key = tenant_on(client, pg, "Html Co")
    wf = create_workflow(client, key, {"name": "selfie", "steps": [{"check": "passive_liveness"}]})
    s = client.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    for data in (png_then_html(), png_header_then_html()):
        r = client.post(
            f"/v1/sessions/{s['session_id']}/artifacts",
            headers=key,
            data={"kind": "selfie"},
            files={"file": ("x.png", data, "image/png")},
        )
        assert r.status_code == 422 and r.json()["type"].endswith("/invalid-image"), r.text
    assert png_bomb()  # the same generator the engine tests use
