"""What the OpenAPI document says about each operation beyond its route: a readable
operationId, the answer's schema where the handler builds it by hand, query parameters,
the values of a path parameter, bodies the handler parses itself. Every route has an entry
(a test fails otherwise), so a new endpoint cannot ship undocumented.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from events.types import SessionStatus
from shared.api import models as m
from shared.checks.result import CheckResult
from shared.http.router import Router
from shared.sessions.sniff import ARTIFACT_KINDS

SESSION_STATUSES = list(SessionStatus.__args__)  # type: ignore[attr-defined]


def _items(description: str, required: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "description": description,
                "items": {"type": "object", "required": list(required)},
            }
        },
    }


def _limit(maximum: int, default: int) -> dict[str, Any]:
    return {
        "name": "limit",
        "description": f"how many items (1–{maximum})",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


_FILE = {"type": "string", "format": "binary"}
_PARAMS = {"type": "string", "description": "the check's parameters as a JSON object"}


def _standalone_body() -> dict[str, Any]:
    from shared.runtime.standalone import AmlRequest

    return {
        "required": True,
        "description": "`aml` takes JSON; every other check takes multipart/form-data with "
        "its files: id_document `front` (+ `back`), face_match `image_a` + `image_b`, "
        "passive_liveness and age_estimation `image` (+ `date_of_birth`), proof_of_address "
        "`file` (+ `name`, `address`); `params` is optional everywhere.",
        "content": {
            "application/json": {"schema": AmlRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "front": _FILE,
                        "back": _FILE,
                        "image": _FILE,
                        "image_a": _FILE,
                        "image_b": _FILE,
                        "file": _FILE,
                        "date_of_birth": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "params": _PARAMS,
                    },
                }
            },
        },
    }


def _links(param: str, source: str, operation_ids: list[str]) -> dict[str, Any]:
    """OpenAPI links: the id in this answer feeds these operations (clients, fuzzers)."""
    return {
        op[0].upper() + op[1:]: {
            "operationId": op,
            "parameters": {param: f"$response.body#/{source}"},
        }
        for op in operation_ids
    }


SESSION_OPERATIONS = [
    "getSession",
    "uploadArtifact",
    "submitSession",
    "createLivenessChallenge",
    "createNfcChallenge",
    "reviewSession",
    "sendEmailCode",
    "checkEmailCode",
    "sendPhoneCode",
    "checkPhoneCode",
    "eraseSession",
]


def operations() -> dict[tuple[str, str], dict[str, Any]]:
    from shared.catalog import STANDALONE_CHECKS
    from shared.faces.liveness_active import Challenge

    hit = {"type": "object", "required": ["id", "status"]}
    return {
        ("POST", "/v1/register"): {"operationId": "register"},
        ("POST", "/v1/register/verify"): {"operationId": "verifyRegistration"},
        ("GET", "/v1/tenant"): {"operationId": "getTenant"},
        ("GET", "/v1/tenant/retention"): {"operationId": "getRetention"},
        ("PUT", "/v1/tenant/retention"): {"operationId": "setRetention"},
        ("GET", "/v1/tenant/branding"): {"operationId": "getBranding"},
        ("PUT", "/v1/tenant/branding"): {"operationId": "setBranding"},
        ("POST", "/v1/api-keys/<uuid:key_id>/rotate"): {"operationId": "rotateApiKey"},
        ("GET", "/v1/sessions/<uuid:session_id>/audit"): {"operationId": "getSessionAudit"},
        ("GET", "/v1/sessions/<uuid:session_id>/export"): {"operationId": "exportSession"},
        ("GET", "/v1/audit"): {"operationId": "exportAudit"},
        ("POST", "/v1/api-keys"): {
            "operationId": "createApiKey",
            "links": _links("key_id", "id", ["revokeApiKey"]),
        },
        ("GET", "/v1/api-keys"): {"operationId": "listApiKeys", "response": m.ApiKeyList},
        ("DELETE", "/v1/api-keys/<uuid:key_id>"): {"operationId": "revokeApiKey"},
        ("POST", "/v1/workflows"): {
            "operationId": "createWorkflow",
            "links": _links("workflow_id", "id", ["getWorkflow", "replaceWorkflow"]),
        },
        ("GET", "/v1/workflows"): {"operationId": "listWorkflows", "response": m.WorkflowList},
        ("GET", "/v1/workflows/<uuid:workflow_id>"): {
            "operationId": "getWorkflow",
            "query": [
                {
                    "name": "version",
                    "description": "a past version (default: the current one)",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                }
            ],
        },
        ("PUT", "/v1/workflows/<uuid:workflow_id>"): {"operationId": "replaceWorkflow"},
        ("POST", "/v1/workflows/<uuid:workflow_id>/dry-run"): {"operationId": "dryRunWorkflow"},
        ("POST", "/v1/sessions"): {
            "operationId": "createSession",
            "links": _links("session_id", "session_id", SESSION_OPERATIONS),
        },
        ("GET", "/v1/sessions"): {
            "operationId": "listSessions",
            "query": [
                _limit(100, 20),
                {
                    "name": "cursor",
                    "description": "`next_cursor` of the previous page",
                    "schema": {"type": "string"},
                },
                {
                    "name": "status",
                    "description": "only sessions in this status",
                    "schema": {"type": "string", "enum": SESSION_STATUSES},
                },
                {
                    "name": "vendor_data",
                    "description": "only sessions whose vendor_data is exactly this (compared "
                    "by keyed fingerprint: the stored value is sealed)",
                    "schema": {"type": "string", "maxLength": 1000},
                },
            ],
        },
        ("GET", "/v1/sessions/<uuid:session_id>"): {"operationId": "getSession"},
        ("DELETE", "/v1/sessions/<uuid:session_id>"): {"operationId": "eraseSession"},
        ("POST", "/v1/sessions/<uuid:session_id>/artifacts"): {
            "operationId": "uploadArtifact",
            "kind_schema": {"enum": sorted(ARTIFACT_KINDS)},
        },
        ("POST", "/v1/sessions/<uuid:session_id>/submit"): {
            "operationId": "submitSession",
            "response": m.SubmitAccepted,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/liveness/challenge"): {
            "operationId": "createLivenessChallenge",
            "response": Challenge,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/nfc/challenge"): {
            "operationId": "createNfcChallenge",
            "response": m.NfcChallenge,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/review"): {
            "operationId": "reviewSession",
            "response": m.SessionView,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/email"): {
            "operationId": "sendEmailCode",
            "response": m.OtpSent,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/email/check"): {
            "operationId": "checkEmailCode",
            "response": m.OtpVerified,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/phone"): {
            "operationId": "sendPhoneCode",
            "response": m.OtpSent,
        },
        ("POST", "/v1/sessions/<uuid:session_id>/phone/check"): {
            "operationId": "checkPhoneCode",
            "response": m.OtpVerified,
        },
        ("POST", "/v1/blocklist"): {
            "operationId": "addBlocklistEntry",
            "response": m.BlocklistCreated,
            "links": _links("entry_id", "id", ["deleteBlocklistEntry"]),
        },
        ("GET", "/v1/blocklist"): {
            "operationId": "listBlocklist",
            "response_schema": _items("entries (values are shown as hints only)"),
        },
        ("DELETE", "/v1/blocklist/<uuid:entry_id>"): {"operationId": "deleteBlocklistEntry"},
        ("POST", "/v1/checks/<string:check>"): {
            "operationId": "runCheck",
            "path_enums": {"check": sorted(STANDALONE_CHECKS)},
            "request_body": _standalone_body(),
            "response": CheckResult,
        },
        ("GET", "/v1/aml/hits"): {
            "operationId": "listAmlHits",
            "query": [
                {
                    "name": "status",
                    "schema": {"type": "string", "enum": ["open", "dismissed", "confirmed"]},
                }
            ],
            "response_schema": _items("monitoring hits, newest first", ("id", "status")),
        },
        ("POST", "/v1/aml/hits/<uuid:hit_id>/review"): {
            "operationId": "reviewAmlHit",
            "response_schema": hit,
        },
        ("PUT", "/v1/webhook"): {"operationId": "setWebhook", "response": m.WebhookSet},
        ("GET", "/v1/webhook"): {"operationId": "getWebhook", "response": m.WebhookView},
        ("GET", "/v1/webhook/deliveries"): {
            "operationId": "listWebhookDeliveries",
            "query": [_limit(100, 50)],
            "response_schema": _items(
                "deliveries with every attempt (`attempt_log`), newest first",
                ("id", "event_type", "status", "attempts"),
            ),
        },
        ("POST", "/v1/webhook/deliveries/<uuid:delivery_id>/resend"): {
            "operationId": "resendWebhookDelivery",
            "response": m.Accepted,
        },
        ("GET", "/v1/dead-letters"): {
            "operationId": "listDeadLetters",
            "query": [_limit(200, 50)],
            "response_schema": _items("events the broker gave up on", ("id", "event_type")),
        },
        ("GET", "/v1/codes"): {"operationId": "listCodes"},
    }


def document_routes(router: Router) -> list[str]:
    """Merge the table into the routes; the routes it does not cover (for the test)."""
    table = operations()
    missing = []
    for r in router.routes:
        extra = table.get((r.method, r.path))
        if extra is None:
            if not r.openapi.get("operationId"):
                missing.append(f"{r.method} {r.path}")
            continue
        extra = dict(extra)
        model: type[BaseModel] | None = extra.pop("response", None)
        if model is not None and r.response is None:
            r.response = model
        r.openapi = {**extra, **r.openapi}
    return missing
