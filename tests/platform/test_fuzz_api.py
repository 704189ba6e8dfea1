"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis):
whatever the generated request, the answer is never a 5xx and always one the document
declares: its status, content type, headers and body schema (issues 13 and 20).

The suite runs a bounded number of examples per operation (`IDMESH_FUZZ_EXAMPLES`, 8 by
default, about a minute); `./dev bench fuzz` runs the same test with a large count. The
API runs in its own process with limits high enough that the fuzzer is not rate-limited
into seeing only 429s, and with the webhook address guard on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig

from tests.conftest import PgStack, function_process, tenant_on

EXAMPLES = int(os.environ.get("IDMESH_FUZZ_EXAMPLES", "8"))
# schemathesis' coverage phase adds every boundary and negative case its schema walk finds
# (hundreds for the workflow definition) as explicit examples: it is run by `./dev bench
# fuzz` (IDMESH_FUZZ_COVERAGE=1); the default suite runs the
# generated examples, negative ones included, within its time budget.
COVERAGE = os.environ.get("IDMESH_FUZZ_COVERAGE", "0") == "1"
SERVER_ERRORS: list[str] = []  # every 5xx seen, for the bench's summary
VIOLATIONS: list[str] = []  # every answer the document does not declare, for the bench
# The conformance checks: the answer is one the document declares.
CONFORMANCE = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
STATUSES: dict[int, int] = {}  # answers by status code, for the bench's summary


@pytest.fixture(scope="module")
def fuzz_api(pg: PgStack, stack) -> Iterator[str]:
    """An API of its own without rate limits; standalone checks go to the stack's check
    functions, so their request parsing is fuzzed where it runs."""
    unlimited = "1000000"
    calls = {k.removeprefix("IDMESH_").lower(): v for k, v in stack.function_call_env().items()}
    with function_process(
        pg,
        name="api-fuzz",
        **calls,
        rate_limit_per_minute=unlimited,
        session_rate_limit_per_minute=unlimited,
        client_rate_limit_per_minute=unlimited,
    ) as url:
        yield url


@pytest.fixture(scope="module")
def fuzz_key(fuzz_api: str, pg: PgStack) -> dict[str, str]:
    with httpx.Client(base_url=fuzz_api, timeout=30) as api:
        return tenant_on(api, pg, "Fuzz Co")


def openapi_document() -> dict:
    """The document the API serves at /openapi.json, built from the same routes in-process
    (schemathesis' fixture-based loader does not work with pytest 9, so the schema is
    loaded at import; `test_fuzzed_document_is_the_served_one` keeps the two equal)."""
    from shared.api.app import api_document, create_router
    from shared.api.services import Services
    from shared.config import Settings
    from shared.db.tenant_tx import Database
    from shared.tenancy.registration import Registrations

    settings = Settings()
    db = Database("postgresql://unused.invalid/idmesh")  # never opened: routes only
    key = bytes(32)
    router = create_router(Services(settings, db, key, Registrations(db, settings, key)))
    return api_document(router)


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(
    DOCUMENT, config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
)


def test_fuzzed_document_is_the_served_one(fuzz_api):
    assert httpx.get(f"{fuzz_api}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_no_server_error(case, fuzz_api, fuzz_key):
    response = case.call(base_url=fuzz_api, headers=fuzz_key, timeout=60)
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
    if response.status_code >= 500:
        SERVER_ERRORS.append(f"{case.method} {case.formatted_path}: {response.status_code}")
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except BaseExceptionGroup as exc:  # schemathesis FailureGroup: what the document omits
        VIOLATIONS.append(f"{case.method} {case.formatted_path}: {str(exc)[:300]}")
        raise


def test_conformance_checks_catch_an_undeclared_answer(fuzz_api, fuzz_key):
    """The conformance checks can fail: a document that declares a different answer schema
    for GET /v1/workflows makes the real answer a violation."""
    import copy

    doc = copy.deepcopy(DOCUMENT)
    op = doc["paths"]["/v1/workflows"]["get"]
    for answer in op["responses"].values():
        for media in answer.get("content", {}).values():
            media["schema"] = {"type": "string"}
    case = schemathesis.openapi.from_dict(doc)["/v1/workflows"]["GET"].Case()
    response = case.call(base_url=fuzz_api, headers=fuzz_key, timeout=60)
    assert response.status_code == 200
    with pytest.raises(BaseExceptionGroup) as raised:
        case.validate_response(response, checks=CONFORMANCE)
    failures = getattr(raised.value, "exceptions", [raised.value])
    from schemathesis.openapi.checks import JsonSchemaError

    assert [type(f) for f in failures] == [JsonSchemaError]
