"""Workflows: create, list, get, PUT (new version)."""

from __future__ import annotations

import uuid

from shared.api.models import WorkflowCreated
from shared.api.services import Services, audit_caller
from shared.http.problem import invalid, not_found
from shared.http.query import int_param
from shared.http.router import Ctx, Reply, Router
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.dry_run import DryRunAnswer, DryRunRequest, dry_run, request_errors
from shared.workflows.store import (
    WorkflowInfo,
    create_workflow,
    get_workflow,
    list_workflows,
    update_workflow,
)
from shared.workflows.validation import workflow_errors

VERSION_MAX = 2**31 - 1  # the column is an int


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "POST",
        "/v1/workflows",
        body=WorkflowDefinition,
        response=WorkflowCreated,
        status=201,
        idempotent=True,
        tags=("workflows",),
        summary="Create a workflow",
    )
    def create(ctx: Ctx) -> Reply:
        _refuse_invalid(ctx.body)
        wf = create_workflow(ctx.conn, ctx.principal.tenant_id, ctx.body)
        return _saved(ctx, wf, "workflow.created", 201)

    @router.route("GET", "/v1/workflows", tags=("workflows",), summary="List workflows")
    def list_(ctx: Ctx) -> Reply:
        return Reply(
            200,
            {"items": [w.model_dump(mode="json", by_alias=True) for w in list_workflows(ctx.conn)]},
        )

    @router.route(
        "GET",
        "/v1/workflows/<uuid:workflow_id>",
        response=WorkflowInfo,
        tags=("workflows",),
        summary="Get a workflow (current version)",
    )
    def get(ctx: Ctx, workflow_id: uuid.UUID) -> Reply:
        wf = _workflow(ctx, workflow_id)
        return Reply(200, wf.model_dump(mode="json", by_alias=True))

    @router.route(
        "PUT",
        "/v1/workflows/<uuid:workflow_id>",
        body=WorkflowDefinition,
        response=WorkflowCreated,
        tags=("workflows",),
        summary="Replace a workflow: makes a new version",
    )
    def put(ctx: Ctx, workflow_id: uuid.UUID) -> Reply:
        _refuse_invalid(ctx.body)
        wf = update_workflow(ctx.conn, ctx.principal.tenant_id, workflow_id, ctx.body)
        if wf is None:
            raise not_found("workflow")
        return _saved(ctx, wf, "workflow.updated", 200)

    @router.route(
        "POST",
        "/v1/workflows/<uuid:workflow_id>/dry-run",
        body=DryRunRequest,
        response=DryRunAnswer,
        tags=("workflows",),
        summary="Which steps a given set of results would trigger",
    )
    def dry_run_(ctx: Ctx, workflow_id: uuid.UUID) -> Reply:
        wf = _workflow(ctx, workflow_id)
        errors = request_errors(wf.definition, ctx.body)
        if errors:
            raise invalid(errors)
        return Reply(200, dry_run(wf.definition, ctx.body))


def _workflow(ctx: Ctx, workflow_id: uuid.UUID) -> WorkflowInfo:
    """The workflow (`?version=` or its current version), else 404."""
    v = int_param(ctx.request.args, "version", None, 1, VERSION_MAX)
    wf = get_workflow(ctx.conn, workflow_id, v)
    if wf is None:
        raise not_found("workflow")
    return wf


def _saved(ctx: Ctx, wf: WorkflowInfo, action: str, status: int) -> Reply:
    """The answer for a stored workflow version, audited as `action`."""
    audit_caller(ctx, action, details={"workflow_id": str(wf.id), "version": wf.version})
    return Reply(status, WorkflowCreated(id=wf.id, version=wf.version))


def _refuse_invalid(wf: WorkflowDefinition) -> None:
    errors = workflow_errors(wf)
    if errors:
        raise invalid(errors)
