"""The OpenAPI 3.1 document, generated from the routes and their pydantic models.

Each route gives its body and answer models; what a model cannot say (query parameters,
raw schemas of answers built by hand, multipart bodies, the values of a path parameter)
comes from the route's `openapi` extras. Webhook payloads are listed under `webhooks`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from shared.http.problem import PROBLEM_TYPE_BASE, PROBLEM_TYPES
from shared.http.router import Route, Router

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. `type` is one of: "
    + "; ".join(f"`{PROBLEM_TYPE_BASE}{k}`: {v}" for k, v in PROBLEM_TYPES.items()),
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "enum": [PROBLEM_TYPE_BASE + k for k in PROBLEM_TYPES],
        },
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "one entry per field at fault",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer"},
                    "detail": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["pointer", "detail"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}", mode=mode, by_alias=True
    )
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def operation_id(r: Route) -> str:
    """`verbNoun` from the handler and the path: createSession, listSessions, getWorkflow."""
    if r.openapi.get("operationId"):
        return r.openapi["operationId"]
    words = [w for w in r.handler.__name__.split("_") if w]
    literal = [p for p in r.path.split("/") if p and not p.startswith("<") and p != "v1"]
    noun = literal[0] if literal else "api"
    if r.path.rstrip("/").endswith(">") and noun.endswith("s"):
        noun = noun[:-1]  # one resource
    parts = [*words, *re.split(r"[-_]", noun)] if noun not in words else words
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _problem_responses() -> dict[str, Any]:
    return {
        "4XX": {
            "description": "a problem (RFC 9457); see the Problem schema for every `type`",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
        "503": {
            "description": "a part the request needs (the database, a check's function) is "
            "not reachable right now: retry after `Retry-After` seconds",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    }


def _success(r: Route, components: dict[str, Any]) -> dict[str, Any]:
    if r.status == 204:
        return {"description": "done; no content"}
    schema: dict[str, Any] | None = None
    if r.response is not None:
        schema = _schema(r.response, components, "serialization")
    elif "response_schema" in r.openapi:
        schema = r.openapi["response_schema"]
    media = r.openapi.get("response_media", "application/json")
    out: dict[str, Any] = {"description": r.openapi.get("response_description", "success")}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    if r.openapi.get("links"):
        out["links"] = r.openapi["links"]
    return out


def _operation(r: Route, components: dict[str, Any]) -> dict[str, Any]:
    doc = (r.handler.__doc__ or "").strip()
    op: dict[str, Any] = {
        "summary": r.summary.strip().splitlines()[0] if r.summary else "",
        "operationId": operation_id(r),
        "tags": list(r.tags),
        "responses": {str(r.status): _success(r, components), **_problem_responses()},
    }
    if doc and doc != r.summary:
        op["description"] = doc
    params: list[dict[str, Any]] = []
    for converter, name in _PARAM.findall(r.path):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "uuid":
            schema["format"] = "uuid"
        enum = r.openapi.get("path_enums", {}).get(name)
        if enum:
            schema["enum"] = list(enum)
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for q in r.openapi.get("query", []):
        params.append({"in": "query", "required": False, **q})
    if r.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "replays the first answer for 24 h when the request is the same",
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    if params:
        op["parameters"] = params
    if r.auth != "none":
        op["security"] = [{"bearer": []}]
        op["x-idmesh-scope"] = r.scope or "admin"
    if r.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(r.body, components, "validation")}},
        }
    elif "request_body" in r.openapi:
        op["requestBody"] = r.openapi["request_body"]
    elif r.multipart:
        op["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["kind", "file"],
                        "properties": {
                            "kind": {"type": "string", **r.openapi.get("kind_schema", {})},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    return op


def build_openapi(
    router: Router,
    title: str,
    version: str,
    description: str = "",
    webhooks: dict[str, tuple[str, type[BaseModel]]] | None = None,
) -> dict[str, Any]:
    """`webhooks`: name → (summary, payload model)."""
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for r in router.routes:
        path = _PARAM.sub(r"{\2}", r.path)
        paths.setdefault(path, {})[r.method.lower()] = _operation(r, components)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a tenant API key (`idm_...`), or a session token for "
                    "the end-user calls of one session",
                }
            },
        },
    }
    if webhooks:
        doc["webhooks"] = {
            name: {
                "post": {
                    "summary": summary,
                    "operationId": "webhook" + "".join(w.capitalize() for w in name.split(".")),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _schema(model, components, "serialization")
                            }
                        },
                    },
                    "responses": {"2XX": {"description": "received; any other answer is retried"}},
                    **({"deprecated": True} if summary.startswith("Deprecated") else {}),
                }
            }
            for name, (summary, model) in webhooks.items()
        }
    return doc
