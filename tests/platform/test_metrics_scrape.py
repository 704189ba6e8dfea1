"""Platform-wide request counts are for the scraper, never for tenants or the internet."""

from __future__ import annotations

import httpx

from shared.db.cluster import free_port
from shared.local.process import FunctionProcess, LocalFunction
from tests.conftest import tenant_on


def test_metrics_are_for_the_scraper_only(pg, client):
    key = tenant_on(client, pg, "Metrics Co")
    # The shared API process has no scrape token: no metrics at all, on any path.
    assert client.get("/metrics").status_code == 404
    assert client.get("/internal/metrics").status_code == 404
    assert client.get("/internal/metrics", headers=key).status_code == 404

    spec = LocalFunction(name="api", target="api", folder="api", port=free_port())
    proc = FunctionProcess(
        spec, {**pg.env(), "IDMESH_METRICS_TOKEN": "scrape-secret"}, pg.data_dir / "logs"
    )
    proc.start()
    try:
        proc.wait_ready(60)
        with httpx.Client(base_url=spec.url, timeout=30) as api:
            api.get("/healthz")
            assert api.get("/metrics").status_code == 404
            assert api.get("/internal/metrics").status_code == 404
            assert api.get("/internal/metrics", headers=key).status_code == 404
            wrong = {"Authorization": "Bearer scrape-secreT"}
            assert api.get("/internal/metrics", headers=wrong).status_code == 404
            ok = api.get("/internal/metrics", headers={"Authorization": "Bearer scrape-secret"})
            series = (
                'idmesh_http_requests_total{function="api",method="GET",'
                'route="/healthz",status="200"}'
            )
            assert ok.status_code == 200 and series in ok.text, ok.text[:2000]
            doc = api.get("/openapi.json").json()
            assert "/metrics" not in doc["paths"]
    finally:
        proc.stop()
