"""The review console's API side: a session's PDF report, its verification by a recipient,
and inviting a tenant's people (the first owner is invited with an API key)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from shared.api.services import Services
from shared.console import accounts
from shared.console.errors import InviteInvalid, NotAllowed
from shared.errors import UnknownSubject
from shared.http.problem import Problem, invalid_field, not_found
from shared.http.router import Ctx, Reply, Router
from shared.messaging.delivery import send_external


class InviteRequest(BaseModel):
    email: str = Field(max_length=320)
    role: Literal["owner", "admin", "reviewer", "developer", "viewer"]


class InviteCreated(BaseModel):
    user_id: uuid.UUID
    email: str
    role: str


_REPORT = {
    "type": "object",
    "required": ["report_id", "session_id", "sha256", "created_at"],
    "properties": {
        "report_id": {"type": "string", "format": "uuid"},
        "session_id": {"type": "string", "format": "uuid"},
        "sha256": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}


def register_routes(router: Router, services: Services) -> None:
    @router.route(
        "GET",
        "/v1/sessions/<uuid:session_id>/report.pdf",
        tags=("sessions",),
        summary="A PDF report of the session (decision, checks, evidence, timeline, audit); "
        "its SHA-256 is in `X-Report-SHA256` and verifiable at /v1/reports/{report_id}",
        openapi={
            "operationId": "getSessionReport",
            "response_schema": {"type": "string", "format": "binary"},
            "response_media": "application/pdf",
        },
    )
    def session_report(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        from shared.console import report  # reportlab: imported by the first report only

        cipher = services.caller_cipher(ctx)
        try:
            pdf, report_id, digest = report.issue_report(
                ctx.conn, cipher, str(session_id), ctx.principal.actor
            )
        except UnknownSubject as exc:
            raise not_found("session") from exc
        return Reply(
            200,
            text=pdf,  # type: ignore[arg-type]  # werkzeug answers bytes as they are
            mimetype="application/pdf",
            headers={
                "Cache-Control": "no-store",
                "X-Report-Id": report_id,
                "X-Report-SHA256": digest,
            },
        )

    @router.route(
        "GET",
        "/v1/reports/<uuid:report_id>",
        tags=("sessions",),
        summary="Verify a PDF report: the session and SHA-256 of the report with this id",
        openapi={"operationId": "getReport", "response_schema": _REPORT},
    )
    def get_report(ctx: Ctx, report_id: uuid.UUID) -> Reply:
        from shared.console import report

        try:
            return Reply(200, report.find_report(ctx.conn, str(report_id)))
        except UnknownSubject as exc:
            raise not_found("report") from exc

    @router.route(
        "POST",
        "/v1/console/invites",
        body=InviteRequest,
        response=InviteCreated,
        status=201,
        tags=("console",),
        summary="Invite a person to the review console (e-mail with a set-up link)",
        openapi={"operationId": "inviteConsoleUser"},
    )
    def invite(ctx: Ctx) -> Reply:
        body: InviteRequest = ctx.body
        cipher = services.caller_cipher(ctx)
        console_url = services.settings.console_url or services.settings.public_url
        try:
            accounts.normalise_email(body.email)
        except InviteInvalid as exc:
            raise invalid_field("/email", exc.detail) from exc
        try:
            user_id, link = accounts.invite(
                ctx.conn,
                cipher,
                ctx.principal.actor,
                "owner",  # an admin-scoped key acts for the tenant
                body.email,
                body.role,
                console_url,
            )
        except (InviteInvalid, NotAllowed) as exc:
            raise Problem(409, "Conflict", exc.detail, code="conflict") from exc
        address = accounts.normalise_email(body.email)
        ctx.after_commit.append(
            lambda: send_external(
                services.settings,
                "email",
                address,
                "You are invited to the idmesh review console",
                f"Open this link to set up your account:\n\n{link}\n",
            )
        )
        return Reply(201, InviteCreated(user_id=user_id, email=address, role=body.role))
