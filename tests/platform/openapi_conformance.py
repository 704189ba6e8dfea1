"""Check a real answer against what the OpenAPI document promises for it."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:idmesh:openapi", resource)
    return Draft202012Validator(_rebase(schema), registry=registry)


def _rebase(node: Any) -> Any:
    """`#/components/...` refs point into the registered document."""
    if isinstance(node, dict):
        return {
            k: ("urn:idmesh:openapi" + v if k == "$ref" and v.startswith("#/") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def assert_conforms(doc: dict[str, Any], method: str, template: str, resp: httpx.Response):
    """The status is documented and a JSON body matches its schema."""
    op = doc["paths"][template][method.lower()]
    status = str(resp.status_code)
    documented = op["responses"].get(status) or op["responses"].get(status[0] + "XX")
    assert documented is not None, f"{method} {template}: {status} is not documented"
    assert resp.status_code < 500, f"{method} {template}: {status} {resp.text[:300]}"
    content = documented.get("content")
    if not content or not resp.content:
        return
    ctype = resp.headers.get("content-type", "").split(";")[0]
    assert ctype in content, f"{method} {template}: {ctype} is not documented ({list(content)})"
    if ctype.endswith("json"):
        schema = content[ctype]["schema"]
        errors = list(_validator(doc, schema).iter_errors(resp.json()))
        assert not errors, (
            f"{method} {template} {status}: {errors[0].message} at {list(errors[0].path)}"
        )
