"""The OpenAPI 3.1 document, generated from the routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from shared.http.router import Router

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(
        ref_template="#/components/schemas/{model}", mode=mode, by_alias=True
    )
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build_openapi(router: Router, title: str, version: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for r in router.routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.path)
        op: dict[str, Any] = {
            "summary": r.summary.strip().splitlines()[0] if r.summary else "",
            "operationId": f"{r.method.lower()}_{r.handler.__name__}_{len(paths)}",
            "tags": list(r.tags),
            "responses": {
                str(r.status): {"description": "success"},
                "4XX": {
                    "description": "problem",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                },
            },
        }
        params = re.findall(r"<(?:\w+:)?(\w+)>", r.path)
        if params:
            op["parameters"] = [
                {
                    "name": p,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                }
                for p in params
            ]
        if r.auth != "none":
            op["security"] = [{"bearer": []}]
            op["x-idmesh-scope"] = r.scope or router.fallback_scope
        if r.idempotent:
            op.setdefault("parameters", []).append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 255},
                }
            )
        if r.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": _schema(r.body, components, "validation")}
                },
            }
        if r.multipart:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["kind", "file"],
                            "properties": {
                                "kind": {"type": "string"},
                                "file": {"type": "string", "format": "binary"},
                            },
                        }
                    }
                },
            }
        if r.response is not None:
            op["responses"][str(r.status)] = {
                "description": "success",
                "content": {
                    "application/json": {"schema": _schema(r.response, components, "serialization")}
                },
            }
        paths.setdefault(path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
