"""The public event contract: the CloudEvent types a tenant may subscribe to on its own
Broker, and their data as JSON Schema files (`events/schemas/<type>.json`, generated from
the pydantic models and checked against them by the tests). docs/events.md states the
versioning rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events.types import AML_HIT, AML_HIT_V2, EVENT_MODELS, SESSION_DECIDED, SESSION_UPDATED

PUBLIC_EVENT_TYPES = (SESSION_DECIDED, SESSION_UPDATED, AML_HIT, AML_HIT_V2)
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


def data_schema(event_type: str) -> dict[str, Any]:
    schema = EVENT_MODELS[event_type].model_json_schema()
    # Producers are strict (extra="forbid"); consumers must accept fields added within a
    # version (docs/events.md), so the published schema allows them.
    schema["additionalProperties"] = True
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:idmesh:event:{event_type}",
        "description": f"data of the CloudEvent type {event_type}",
        **schema,
    }


def schema_text(event_type: str) -> str:
    return json.dumps(data_schema(event_type), indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path = SCHEMAS_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for t in PUBLIC_EVENT_TYPES:
        path = folder / f"{t}.json"
        path.write_text(schema_text(t), encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    for p in write_schemas():
        print(p)
