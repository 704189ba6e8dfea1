"""/readyz says what a starting function waits for, and turns 200 only once `start` is done."""

from __future__ import annotations

import json
import shutil
import threading

import httpx
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.config import Settings
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.process import FunctionProcess, LocalFunction
from shared.runtime.function import EventFunction, FunctionHost
from tests.conftest import make_data_dir


class _Slow(EventFunction):
    name = "slow"
    start_waits_for = "models (loading, warm-up)"

    def __init__(self) -> None:
        self.release = threading.Event()

    def start(self, settings):
        assert self.release.wait(10)


def _get(host: FunctionHost, path: str):
    resp = host(Request(EnvironBuilder(path=path, method="GET").get_environ()))
    return resp.status_code, json.loads(resp.get_data())


def test_readyz_reports_what_it_waits_for_then_ready(tmp_path):
    fn = _Slow()
    host = FunctionHost(fn, Settings(data_dir=tmp_path, tracing=False, log_format="text"))
    status, body = _get(host, "/readyz")
    assert status == 503 and body["status"] == "starting"
    for _ in range(200):
        status, body = _get(host, "/readyz")
        if body.get("waiting_for") == "models (loading, warm-up)":
            break
        threading.Event().wait(0.01)
    assert body["waiting_for"] == "models (loading, warm-up)"
    fn.release.set()
    assert host.wait_started(5)
    status, body = _get(host, "/readyz")
    assert status == 200 and body["status"] == "ready"
    resp = host(Request(EnvironBuilder(path="/metrics").get_environ()))
    text = resp.get_data(as_text=True)
    assert 'idmesh_ready{function="slow"} 1.0' in text
    assert 'idmesh_start_seconds{function="slow"}' in text
    host.stop()  # as at exit, while the test's log stream is still open


class _Broken(EventFunction):
    name = "broken"

    def start(self, settings):
        raise RuntimeError("model file missing")


def test_readyz_reports_a_failed_start(tmp_path):
    host = FunctionHost(_Broken(), Settings(data_dir=tmp_path, tracing=False, log_format="text"))
    host.wait_started(1)
    for _ in range(100):
        status, body = _get(host, "/readyz")
        if body["status"] == "failed":
            break
        threading.Event().wait(0.01)
    assert status == 503 and body == {
        "status": "failed",
        "error": "RuntimeError: model file missing",
    }


def test_relay_readyz_says_it_waits_for_the_database():
    """The relay's probe answers JSON like every function's: ready while its jobs' pool
    reaches Postgres, 503 naming the database once Postgres is gone."""
    data_dir = make_data_dir()
    urls = prepare_database(Settings(data_dir=data_dir))
    spec = LocalFunction(name="relay", target="relay", folder="relay", port=free_port())
    env = {
        "IDMESH_DATA_DIR": str(data_dir),
        "IDMESH_APP_DATABASE_URL": urls.app,
        "IDMESH_JOBS_DATABASE_URL": urls.jobs,
    }
    proc = FunctionProcess(spec, env, data_dir / "logs")
    try:
        proc.start()
        proc.wait_ready(60)
        assert httpx.get(spec.url + "/healthz").json() == {"status": "ok"}
        ready = httpx.get(spec.url + "/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
        EmbeddedPostgres(data_dir).stop()
        gone = httpx.get(spec.url + "/readyz", timeout=30)
        assert gone.status_code == 503
        assert gone.json()["waiting_for"].startswith("database")
    finally:
        proc.stop()
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize(
    "app_path", ["shared.hosted.app:HostedApp", "shared.console.app:ConsoleApp"]
)
def test_web_functions_readyz_names_the_database(pg, app_path):
    """The hosted pages and the console answer /readyz like the event functions: ready when
    their database answers, else 503 saying they wait for it."""
    import importlib
    import json as _json

    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from shared.db.cluster import free_port
    from shared.db.tenant_tx import Database

    module, name = app_path.split(":")
    cls = getattr(importlib.import_module(module), name)

    def probe(db: Database) -> tuple[int, dict]:
        app = cls(pg.settings, db=db)
        resp = app.handle(Request(EnvironBuilder(path="/readyz").get_environ()))
        return resp.status_code, _json.loads(resp.get_data())

    up = Database(pg.urls.app, max_size=1)
    down = Database(
        f"postgresql://nobody@127.0.0.1:{free_port()}/idmesh", max_size=1, open_timeout=2
    )
    try:
        assert probe(up) == (200, {"status": "ready"})
        assert probe(down) == (503, {"status": "starting", "waiting_for": "database"})
    finally:
        up.close()
        down.close()
