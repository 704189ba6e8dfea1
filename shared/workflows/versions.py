"""A workflow's versions side by side: the list, a unified diff between two versions, and an
edit from JSON text that is validated exactly as `PUT /v1/workflows/{id}` validates it
(the console's workflow screen)."""

from __future__ import annotations

import difflib
import json
import uuid
from typing import Any

import psycopg
from pydantic import ValidationError

from shared.audit import audit
from shared.errors import InvalidInput, UnknownSubject, json_pointer
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.store import WorkflowInfo, get_workflow, update_workflow
from shared.workflows.validation import workflow_errors


def workflow_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise UnknownSubject("no such workflow") from exc


def current(conn: psycopg.Connection, wf_id: uuid.UUID) -> WorkflowInfo:
    """The workflow's current version, else UnknownSubject."""
    info = get_workflow(conn, wf_id)
    if info is None:
        raise UnknownSubject("no such workflow")
    return info


def versions(conn: psycopg.Connection, wf_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT version, created_at FROM workflow_versions WHERE workflow_id = %s "
        "ORDER BY version DESC",
        (str(wf_id),),
    ).fetchall()
    return [dict(r) for r in rows]


def pretty(info: WorkflowInfo) -> str:
    return json.dumps(info.definition.model_dump(mode="json", by_alias=True), indent=2)


def sample_facts(info: WorkflowInfo) -> str:
    """A dry run's input to start from: every step passed."""
    results = {s.step_id: {"status": "passed"} for s in info.definition.steps}
    return json.dumps({"results": results, "countries": {}}, indent=2)


def diff(conn: psycopg.Connection, wf_id: uuid.UUID, old: int, new: int) -> list[str]:
    """Unified diff lines of two versions' definitions (pretty JSON)."""
    a, b = get_workflow(conn, wf_id, old), get_workflow(conn, wf_id, new)
    if a is None or b is None:
        raise UnknownSubject("no such workflow version")
    return list(
        difflib.unified_diff(
            pretty(a).splitlines(),
            pretty(b).splitlines(),
            f"version {old}",
            f"version {new}",
            lineterm="",
        )
    )


def edit(
    conn: psycopg.Connection,
    tenant_id: str,
    actor: str,
    wf_id: uuid.UUID,
    text: str,
    actor_name: str | None = None,
) -> WorkflowInfo:
    """A new version from the definition's JSON text; every problem named by its pointer."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(
            f"not JSON: {exc}", errors=[{"pointer": "", "detail": str(exc)}]
        ) from exc
    try:
        definition = WorkflowDefinition.model_validate(raw)
    except ValidationError as exc:
        errs = [{"pointer": json_pointer(e["loc"]), "detail": e["msg"]} for e in exc.errors()]
        raise InvalidInput("the workflow is not valid", errors=errs) from exc
    errs = workflow_errors(definition)
    if errs:
        raise InvalidInput("the workflow is not valid", errors=errs)
    info = update_workflow(conn, tenant_id, wf_id, definition)
    if info is None:
        raise UnknownSubject("no such workflow")
    audit(
        conn,
        tenant_id,
        actor,
        "workflow.updated",
        details={"workflow_id": str(info.id), "version": info.version},
        actor_name=actor_name,
    )
    return info
