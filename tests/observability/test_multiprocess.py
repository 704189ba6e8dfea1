"""Metrics are multiprocess-safe: with PROMETHEUS_MULTIPROC_DIR set (several workers of one
function), each process records into the shared directory and any one of them renders the
sum of all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORD = """
from shared.observability import metrics
metrics.HTTP_REQUESTS.labels("api", "GET", "/healthz", "200").inc()
metrics.HTTP_DURATION.labels("api", "GET", "/healthz").observe(0.02)
"""
RENDER = "from shared.observability import metrics; print(metrics.render().decode())"


def _run(code: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_workers_add_up(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for _ in range(3):  # three worker processes, one request each
        _run(RECORD, env)
    text = _run(RENDER, env)
    counter = (
        'idmesh_http_requests_total{function="api",method="GET",route="/healthz",status="200"}'
    )
    assert f"{counter} 3.0" in text, text[:1500]
    histogram = (
        'idmesh_http_request_duration_seconds_count{function="api",method="GET",route="/healthz"}'
    )
    assert f"{histogram} 3.0" in text
