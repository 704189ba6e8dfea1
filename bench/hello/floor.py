"""The floor under every idmesh function: a functions-framework hello world that also
imports the libraries any idmesh function needs to answer an authenticated CloudEvent from
Postgres (psycopg and its pool, pydantic, PyJWT with cryptography, httpx, prometheus_client,
OpenTelemetry) and answers only after one Postgres round trip (`IDMESH_FUNCTION_DATABASE_URL`).

`bench.platform` measures it in the same run as the bare hello world: what a function costs
above this line is idmesh's own code and models.
"""

import os

import functions_framework
import httpx  # noqa: F401 - imported for its cost: the JWKS and delivery client
import jwt.algorithms  # noqa: F401 - RS256 verification of every delivery's sender
import opentelemetry.trace  # noqa: F401
import prometheus_client  # noqa: F401
import psycopg
import psycopg_pool  # noqa: F401
import pydantic  # noqa: F401

_connected = False


@functions_framework.http
def floor(request):
    global _connected
    if not _connected:
        with psycopg.connect(os.environ["IDMESH_FUNCTION_DATABASE_URL"]) as conn:
            conn.execute("SELECT 1")
        _connected = True
    return "ok"
