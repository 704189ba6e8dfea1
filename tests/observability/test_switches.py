"""Tracing and metrics can each be switched off (IDMESH_TRACING / IDMESH_METRICS, read once
into Settings): a real API process then writes no span and exports no series."""

from __future__ import annotations

import time

import httpx

from shared.config import Settings
from tests.conftest import function_process

SCRAPE = {"Authorization": "Bearer scrape-token"}


def test_settings_read_the_switches_once():
    assert Settings.from_env({}).metrics is True and Settings.from_env({}).tracing is True
    off = Settings.from_env({"IDMESH_METRICS": "false", "IDMESH_TRACING": "false"})
    assert off.metrics is False and off.tracing is False


def _spans_after_requests(url: str, span_dir, expect: int) -> tuple[str, int]:
    """The metrics text and the span lines written: waits until `expect` lines are there
    (the span file exporter batches every 200 ms); expecting none, three batch intervals."""
    with httpx.Client(base_url=url, timeout=30) as api:
        for _ in range(3):
            assert api.get("/healthz").status_code == 200
        scraped = api.get("/internal/metrics", headers=SCRAPE)
        assert scraped.status_code == 200
    deadline = time.time() + (10 if expect else 0.6)
    while True:
        lines = sum(len(p.read_text().splitlines()) for p in span_dir.glob("*.jsonl"))
        if (expect and lines >= expect) or time.time() >= deadline:
            return scraped.text, lines
        time.sleep(0.05)


def test_api_with_both_on_then_both_off(pg, tmp_path):
    on_dir, off_dir = tmp_path / "on", tmp_path / "off"
    series = 'idmesh_http_requests_total{function="api",method="GET",route="/healthz"'
    with function_process(pg, metrics_token="scrape-token", span_dir=str(on_dir)) as url:
        text, spans = _spans_after_requests(url, on_dir, 3)
    assert series in text and spans >= 3
    with function_process(
        pg, metrics_token="scrape-token", span_dir=str(off_dir), metrics="false", tracing="false"
    ) as url:
        text, spans = _spans_after_requests(url, off_dir, 0)
    assert "idmesh_" not in text, text[:500]
    assert spans == 0
