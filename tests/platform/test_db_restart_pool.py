"""After a Postgres restart the API hands out no dead pooled connection (issue 13: 9 × 500
and 4 × 503 minutes after Postgres was back). Connections are checked before use and a
connection error on the first statement is retried once on a fresh connection; while the
database is down the API answers 503, never 500."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from shared.config import Settings
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres
from tests.conftest import PgStack, function_process, make_data_dir, tenant_on


def test_no_dead_connections_after_postgres_restart():
    data_dir = make_data_dir()
    settings = Settings(data_dir=data_dir)
    pg = PgStack(settings, prepare_database(settings), data_dir)
    try:
        with (
            function_process(pg, name="api-restart", db_acquire_timeout="3") as url,
            httpx.Client(base_url=url, timeout=30) as api,
        ):
            key = tenant_on(api, pg, "Restart Co")
            # Fill the pool with several open connections.
            with ThreadPoolExecutor(8) as pool:
                warm = list(pool.map(lambda _: api.get("/v1/workflows", headers=key), range(32)))
            assert {r.status_code for r in warm} == {200}
            cluster = EmbeddedPostgres(data_dir)
            port = cluster.load_state().port
            cluster.stop()
            t0 = time.monotonic()
            down = api.get("/v1/workflows", headers=key)
            assert down.status_code == 503, down.text
            assert down.headers["content-type"].startswith("application/problem+json")
            assert time.monotonic() - t0 < 5  # one acquire timeout (3 s), not two
            # Same port: connections of the old run in TIME_WAIT must not move it.
            assert cluster.start().port == port
            with ThreadPoolExecutor(8) as pool:
                after = list(pool.map(lambda _: api.get("/v1/workflows", headers=key), range(40)))
            statuses = [r.status_code for r in after]
            assert statuses == [200] * 40, statuses
    finally:
        EmbeddedPostgres(data_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)
