"""Workflows in Postgres: a PUT makes a new version; sessions keep the one they began with."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import psycopg
from pydantic import BaseModel

from shared.workflows.definition import WorkflowDefinition


class WorkflowInfo(BaseModel):
    id: uuid.UUID
    version: int
    name: str
    created_at: datetime
    updated_at: datetime
    definition: WorkflowDefinition


def create_workflow(
    conn: psycopg.Connection, tenant_id: str, definition: WorkflowDefinition
) -> WorkflowInfo:
    row = conn.execute(
        "INSERT INTO workflows (tenant_id, name) VALUES (%s, %s) RETURNING id",
        (tenant_id, definition.name),
    ).fetchone()
    _insert_version(conn, tenant_id, row["id"], 1, definition)
    return get_workflow(conn, row["id"])  # type: ignore[return-value]


def _insert_version(
    conn: psycopg.Connection,
    tenant_id: str,
    workflow_id: uuid.UUID,
    version: int,
    definition: WorkflowDefinition,
) -> None:
    conn.execute(
        "INSERT INTO workflow_versions (tenant_id, workflow_id, version, definition) "
        "VALUES (%s, %s, %s, %s)",
        (
            tenant_id,
            workflow_id,
            version,
            json.dumps(definition.model_dump(mode="json", by_alias=True)),
        ),
    )


def update_workflow(
    conn: psycopg.Connection, tenant_id: str, workflow_id: uuid.UUID, definition: WorkflowDefinition
) -> WorkflowInfo | None:
    row = conn.execute(
        "UPDATE workflows SET current_version = current_version + 1, name = %s, "
        "updated_at = now() WHERE id = %s RETURNING current_version",
        (definition.name, str(workflow_id)),
    ).fetchone()
    if row is None:
        return None
    _insert_version(conn, tenant_id, workflow_id, row["current_version"], definition)
    return get_workflow(conn, workflow_id)


def get_workflow(
    conn: psycopg.Connection, workflow_id: uuid.UUID, version: int | None = None
) -> WorkflowInfo | None:
    row = conn.execute(
        "SELECT w.id, v.version, w.name, w.created_at, w.updated_at, v.definition "
        "FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id "
        "AND v.version = coalesce(%s, w.current_version) WHERE w.id = %s",
        (version, str(workflow_id)),
    ).fetchone()
    return WorkflowInfo.model_validate(row) if row else None


def list_workflows(conn: psycopg.Connection) -> list[WorkflowInfo]:
    rows = conn.execute(
        "SELECT w.id, v.version, w.name, w.created_at, w.updated_at, v.definition "
        "FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id "
        "AND v.version = w.current_version ORDER BY w.created_at, w.id"
    ).fetchall()
    return [WorkflowInfo.model_validate(r) for r in rows]
