"""Sessions: create, read, page, upload artifacts, submit, review, erase."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import psycopg
from pydantic import ValidationError

from shared.api.models import (
    ArtifactCreated,
    CheckView,
    ReviewRequest,
    SessionCreate,
    SessionCreated,
    SessionPage,
    SessionView,
)
from shared.api.services import Services, audit_caller
from shared.checks import sandbox
from shared.hosted.links import open_verification
from shared.http.problem import Problem, invalid_field, not_found
from shared.http.query import int_param
from shared.http.router import Ctx, Reply, Router
from shared.sessions import lifecycle, vendor_data
from shared.sessions.artifacts import list_artifacts, store_artifact, validate_upload
from shared.sessions.results import load_results
from shared.sessions.store import SessionRow, decode_cursor, get_session, list_sessions
from shared.workflows import resubmission
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.inputs import missing_inputs, steps_taking
from shared.workflows.store import get_workflow

T = TypeVar("T")


def session_view(services: Services, ctx: Ctx, s: SessionRow, full: bool = True) -> SessionView:
    checks: list[CheckView] = []
    extracted: dict = {}
    artifacts: list = []
    if full:
        cipher = services.caller_cipher(ctx)
        for r in load_results(ctx.conn, cipher, str(s.id)):
            checks.append(CheckView(**{k: v for k, v in r.items() if k != "check_id"}))
            if r["check"] == "id_document" and isinstance(r["data"].get("fields"), dict):
                extracted = r["data"]["fields"]
        artifacts = list_artifacts(ctx.conn, str(s.id))
    return SessionView(
        session_id=s.id,
        status=s.status,
        workflow_id=s.workflow_id,
        workflow_version=s.workflow_version,
        decision=s.decision,
        vendor_data=vendor_data.of_session(ctx.conn, services.caller_cipher(ctx), s),
        callback_url=s.callback_url,
        created_at=s.created_at,
        updated_at=s.updated_at,
        submitted_at=s.submitted_at,
        decided_at=s.decided_at,
        expires_at=s.expires_at,
        checks=checks,
        extracted=extracted,
        artifacts=artifacts,
    )


def load_session(ctx: Ctx, session_id: uuid.UUID, for_update: bool = False) -> SessionRow:
    """The session, if the caller may see it: other tenants' and erased ones are 404."""
    p = ctx.principal
    if p.kind == "session_token" and p.session_id != str(session_id):
        raise not_found("session")
    s = get_session(ctx.conn, session_id, for_update=for_update)
    if s is None or s.deleted_at is not None:
        raise not_found("session")
    return lifecycle.expire_if_due(ctx.conn, p.tenant_id, "api", s)


def require_open(s: SessionRow) -> None:
    """End-user actions are taken only before a decision (409 otherwise)."""
    lifecycle.require_open(s)


def issue_challenge(
    ctx: Ctx,
    session_id: uuid.UUID,
    action: str,
    issue: Callable[[psycopg.Connection, str, str], T],
) -> T:
    """A single-use challenge for an open session (`issue(conn, tenant_id, session_id)`),
    audited as `action`."""
    s = load_session(ctx, session_id, for_update=True)
    require_open(s)
    out = issue(ctx.conn, ctx.principal.tenant_id, str(s.id))
    audit_caller(ctx, action, str(s.id))
    return out


def refuse_unawaited(ctx: Ctx, s: SessionRow, kind: str) -> None:
    """409 unless a step of the session waits for this kind of upload: before submit a step
    of the workflow that uses it; after a resubmission request the steps to redo; while the
    workflow runs, a step that is waiting for the end user."""
    wf = get_workflow(ctx.conn, s.workflow_id, s.workflow_version).definition
    if s.status == "not_started":
        if steps_taking(wf, kind):
            return
        why = "no step of the session's workflow uses it"
    elif s.status == resubmission.STATUS:
        redo = resubmission.redo_steps(s)
        if steps_taking(wf, kind, redo):
            return
        why = f"only the steps to redo ({', '.join(sorted(redo))}) take uploads now"
    else:
        waiting = {
            r["step"]
            for r in ctx.conn.execute(
                "SELECT step FROM checks WHERE session_id = %s AND status = 'pending' "
                'AND warnings @> \'[{"code": "AWAITING_USER_INPUT"}]\'',
                (str(s.id),),
            ).fetchall()
        }
        if steps_taking(wf, kind, waiting):
            return
        why = "the session was submitted and no step is waiting for an upload"
    raise Problem(
        409,
        "Conflict",
        f"no step waits for a {kind}: {why}",
        code="input-not-awaited",
    )


def refuse_missing(
    wf: WorkflowDefinition, uploaded: set[str], only: set[str] | None = None
) -> None:
    """422 listing what the required steps (of `only`, else all) still need."""
    missing = missing_inputs(wf, uploaded, only)
    if missing:
        needed = sorted({k for e in missing for k in e["missing"]})  # type: ignore[attr-defined]
        raise Problem(
            422,
            "Unprocessable Content",
            "the workflow's required steps need uploads first: " + ", ".join(needed),
            code="missing-artifacts",
            errors=missing,
        )


# `callback_url` is deprecated (RFC 9745 `Deprecation`, RFC 8594 `Sunset`): 2026-12-05,
# sunset at least six months later (docs/versioning.md).
CALLBACK_URL_DEPRECATION = {
    "Deprecation": "@1796428800",
    "Sunset": "Wed, 30 Jun 2027 00:00:00 GMT",
}


def _return_url(body: SessionCreate) -> str | None:
    """Where the hosted pages send the end user: `redirect_url`, else the deprecated
    `callback_url` (the name Veriff and Didit give that same return URL)."""
    url = body.redirect_url or body.callback_url
    return str(url) if url else None


def register_routes(router: Router, services: Services) -> None:
    settings = services.settings

    @router.route(
        "POST",
        "/v1/sessions",
        body=SessionCreate,
        response=SessionCreated,
        status=201,
        idempotent=True,
        tags=("sessions",),
        summary="Create a verification session for an end user",
    )
    def create(ctx: Ctx) -> Reply:
        body: SessionCreate = ctx.body
        wf = get_workflow(ctx.conn, body.workflow_id)
        if wf is None:
            raise invalid_field("/workflow_id", "no such workflow")
        cipher = services.caller_cipher(ctx)
        s, token = lifecycle.create(
            ctx.conn,
            cipher,
            ctx.principal.actor,
            wf.id,
            wf.version,
            body.vendor_data,
            str(body.callback_url) if body.callback_url else None,
            body.expected,
            settings.session_ttl_days,
            ctx.principal.mode,
        )
        verification_url = open_verification(
            ctx.conn,
            cipher,
            str(s.id),
            token,
            s.expires_at,
            settings.hosted_url or settings.public_url,
            _return_url(body),
            body.language,
        )
        return Reply(
            201,
            SessionCreated(
                session_id=s.id,
                status=s.status,
                session_token=token,
                url=f"{settings.public_url}/v1/sessions/{s.id}",
                verification_url=verification_url,
                expires_at=s.expires_at,
            ),
            headers=CALLBACK_URL_DEPRECATION if body.callback_url else {},
        )

    @router.route(
        "GET",
        "/v1/sessions",
        response=SessionPage,
        tags=("sessions",),
        summary="A page of sessions, newest first",
    )
    def list_(ctx: Ctx) -> Reply:
        args = ctx.request.args
        status = args.get("status") or None
        if status and status not in lifecycle.STATUSES:
            raise Problem(400, "Bad Request", f"unknown status {status!r}")
        limit = int_param(args, "limit", 20, 1, 100)
        cursor = None
        if args.get("cursor"):
            try:
                cursor = decode_cursor(args["cursor"])
            except (ValueError, TypeError) as exc:
                raise Problem(400, "Bad Request", "malformed cursor") from exc
        vendor = args.get("vendor_data")
        if vendor is not None and (len(vendor) > 1000 or "\x00" in vendor):
            raise Problem(400, "Bad Request", "vendor_data: at most 1000 characters, no NUL")
        vendor_hash = (
            vendor_data.vendor_data_hash(ctx.principal.tenant_id, vendor) if vendor else None
        )
        items, nxt = list_sessions(ctx.conn, status, limit, cursor, vendor_hash, vendor)
        page = SessionPage(
            items=[session_view(services, ctx, s, full=False) for s in items], next_cursor=nxt
        )
        return Reply(200, page)

    @router.route(
        "GET",
        "/v1/sessions/<uuid:session_id>",
        response=SessionView,
        tags=("sessions",),
        summary="A session with its checks and decision",
    )
    def get(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        return Reply(200, session_view(services, ctx, load_session(ctx, session_id)))

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/artifacts",
        auth="tenant_or_session",
        multipart=True,
        response=ArtifactCreated,
        status=201,
        idempotent=True,
        tags=("sessions",),
        summary="Upload an artifact (multipart: kind + file)",
    )
    def upload(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        require_open(s)
        form, files = ctx.request.form, ctx.request.files.getlist("file")
        kind = form.get("kind", "")
        if not files:
            raise invalid_field("/file", "no file in the upload", "required")
        if len(files) > 1 and kind != "liveness_frames":
            raise Problem(
                422,
                "Unprocessable Content",
                f"{kind or 'this kind'} takes one file",
                code="validation-error",
            )
        if len(files) > 120:
            raise Problem(
                422, "Unprocessable Content", "at most 120 frames", code="validation-error"
            )
        blobs = []
        for f in files:
            data = f.read(settings.max_upload_bytes + 1)
            # a test session's upload may be named after an outcome (docs/sandbox.md)
            magic = sandbox.file_magic(f.filename) if s.mode == "test" else None
            blobs.append((validate_upload(kind, data, settings.max_upload_bytes), data, magic))
        refuse_unawaited(ctx, s, kind)
        cipher = services.caller_cipher(ctx)
        ids = [
            store_artifact(ctx.conn, cipher, str(s.id), kind, ct, data, magic)
            for ct, data, magic in blobs
        ]
        lifecycle.record_input(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            s,
            "artifact_uploaded",
            action="artifact.uploaded",
            details={"kind": kind, "artifact_ids": ids},
        )
        return Reply(201, ArtifactCreated(artifact_id=ids[0], artifact_ids=ids, kind=kind))

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/submit",
        auth="tenant_or_session",
        status=202,
        tags=("sessions",),
        summary="Submit: the workflow starts",
    )
    def submit(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        tenant, actor = ctx.principal.tenant_id, ctx.principal.actor
        wf = get_workflow(ctx.conn, s.workflow_id, s.workflow_version).definition
        if s.status == resubmission.STATUS:
            redo = resubmission.redo_steps(s)
            refuse_missing(wf, resubmission.new_uploads(ctx.conn, s), redo)
            s = lifecycle.resubmit(ctx.conn, tenant, actor, s, redo)
        else:
            if s.status == "not_started" and s.mode == "live":  # the sandbox needs no uploads
                refuse_missing(wf, {a["kind"] for a in list_artifacts(ctx.conn, str(s.id))})
            s = lifecycle.submit(ctx.conn, tenant, actor, s)  # a no-op once submitted
        return Reply(202, {"session_id": str(s.id), "status": s.status})

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/liveness/challenge",
        auth="tenant_or_session",
        status=201,
        tags=("sessions",),
        summary="A random, single-use active-liveness challenge (moves, nonce, expiry)",
    )
    def liveness_challenge(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        from shared.faces.step import new_liveness_challenge

        ch = issue_challenge(ctx, session_id, "liveness.challenge_issued", new_liveness_challenge)
        return Reply(201, ch.model_dump(mode="json"))

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/nfc/challenge",
        auth="tenant_or_session",
        status=201,
        tags=("sessions",),
        summary="A single-use Active Authentication nonce for the chip",
    )
    def nfc_challenge(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        from shared.nfc.step import issue_aa_challenge

        nonce, expires = issue_challenge(
            ctx, session_id, "nfc.challenge_issued", issue_aa_challenge
        )
        return Reply(201, {"nonce": nonce, "expires_at": expires.isoformat()})

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/review",
        body=ReviewRequest,
        tags=("sessions",),
        summary="Approve or decline a session in review",
    )
    def review(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        body: ReviewRequest = ctx.body
        s = lifecycle.review(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            s,
            body.decision,
            body.note,
            reviewer=ctx.principal.actor_ref(),
        )
        return Reply(200, session_view(services, ctx, s))

    @router.route(
        "DELETE",
        "/v1/sessions/<uuid:session_id>",
        status=204,
        tags=("sessions",),
        summary="Erase a session: artifacts and personal data are destroyed",
    )
    def delete(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        lifecycle.erase(ctx.conn, ctx.principal.tenant_id, ctx.principal.actor, s)
        return Reply(204)


__all__ = ["register_routes", "ValidationError"]
