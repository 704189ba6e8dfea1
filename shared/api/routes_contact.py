"""One-time codes for a session's email and phone (end user or tenant backend)."""

from __future__ import annotations

import json
import uuid

from pydantic import Field

from shared.api.models import Strict
from shared.api.routes_sessions import load_session, require_open
from shared.api.services import Services, audit_caller
from shared.contact.email_facts import EmailFacts, email_facts
from shared.contact.otp import OtpError, check_code, issue_code
from shared.contact.phone_facts import PhoneFacts, phone_facts
from shared.http.problem import Problem, invalid_field
from shared.http.router import Ctx, Reply, Router
from shared.messaging.delivery import SealedFor, provider_for, record_message, send_external
from shared.sessions import lifecycle
from shared.tenancy.modes import SANDBOX_OTP


class EmailSend(Strict):
    email: str = Field(min_length=3, max_length=320)


class PhoneSend(Strict):
    phone: str = Field(min_length=3, max_length=40)
    country: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="default region for national numbers"
    )


class CodeCheck(Strict):
    code: str = Field(pattern=r"^\s*\d{6}\s*$")


def _problem_reply(p: Problem) -> Reply:
    """A 4xx answer that still commits the transaction (e.g. a counted wrong attempt)."""
    return Reply(
        p.status, text=json.dumps(p.body()), mimetype="application/problem+json", headers=p.headers
    )


def _otp_problem(exc: OtpError) -> Problem:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return Problem(exc.status, "OTP refused", exc.message, code=exc.code, headers=headers)


def register_routes(router: Router, services: Services) -> None:
    settings = services.settings

    def deliver(ctx: Ctx, session_id: str, cipher, channel: str, target: str, code: str) -> str:
        """Record the code's message and hand it to the provider; the provider's name."""
        msg_channel = "email" if channel == "email" else "sms"
        subject = "Your verification code"
        body = f"Your verification code is {code}. It expires in 10 minutes."
        provider = provider_for(settings, msg_channel)
        record_message(
            ctx.conn,
            msg_channel,
            target,
            subject,
            body,
            ctx.principal.tenant_id,
            delivered=provider,
            session=SealedFor(session_id, cipher, services.master_key),
        )
        if provider != "outbox":
            ctx.after_commit.append(
                lambda: send_external(settings, msg_channel, target, subject, body)
            )
        return provider

    def send(ctx: Ctx, session_id: uuid.UUID, channel: str, target: str, facts: dict) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        require_open(s)
        cipher = services.caller_cipher(ctx)
        sandbox = s.mode == "test"
        try:
            code = issue_code(
                ctx.conn,
                cipher,
                services.master_key,
                str(s.id),
                channel,
                target,
                facts,
                fixed_code=SANDBOX_OTP if sandbox else None,
            )
        except OtpError as exc:
            raise _otp_problem(exc) from exc
        provider = "sandbox"  # a test session sends nothing: its code is the documented one
        if not sandbox:
            provider = deliver(ctx, str(s.id), cipher, channel, target, code)
        audit_caller(ctx, f"{channel}.code_sent", str(s.id), {"provider": provider})
        return Reply(
            202,
            {"session_id": str(s.id), "channel": channel, "sent": not sandbox, "expires_in": 600},
        )

    def send_valid(
        ctx: Ctx,
        session_id: uuid.UUID,
        channel: str,
        facts: EmailFacts | PhoneFacts,
        target: str,
        what: str,
        code: str = "validation-error",
        error_type: str | None = None,
    ) -> Reply:
        """422 unless the facts call the address valid; else `send` to its normalized form
        (the facts' field `target`), with the other facts kept."""
        if not facts.valid:
            raise invalid_field(
                f"/{channel}",
                f"{what} is not valid",
                facts.reason or "invalid",
                code=code,
                error_type=error_type,
            )
        kept = facts.model_dump(exclude={target, "valid", "reason"})
        return send(ctx, session_id, channel, getattr(facts, target), kept)

    def check(ctx: Ctx, session_id: uuid.UUID, channel: str) -> Reply:
        s = load_session(ctx, session_id, for_update=True)
        require_open(s)
        cipher = services.caller_cipher(ctx)
        try:
            state = check_code(
                ctx.conn, cipher, services.master_key, str(s.id), channel, ctx.body.code
            )
        except OtpError as exc:
            return _problem_reply(_otp_problem(exc))
        if not state.verified:
            audit_caller(ctx, f"{channel}.code_checked", str(s.id), {"verified": False})
            return _problem_reply(
                Problem(
                    400,
                    "Wrong code",
                    f"the code is not valid ({state.attempts_left} attempts left)",
                    code="otp-invalid",
                )
            )
        lifecycle.record_input(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            s,
            f"{channel}_verified",
            check=channel,
            action=f"{channel}.code_checked",
            details={"verified": True},
        )
        return Reply(200, {"session_id": str(s.id), "channel": channel, "verified": True})

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/email",
        auth="tenant_or_session",
        body=EmailSend,
        status=202,
        tags=("otp",),
        summary="Send an email code",
    )
    def email_send(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        facts = email_facts(ctx.body.email)
        return send_valid(ctx, session_id, "email", facts, "normalized", "the email address")

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/email/check",
        auth="tenant_or_session",
        body=CodeCheck,
        tags=("otp",),
        summary="Check an email code",
    )
    def email_check(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        return check(ctx, session_id, "email")

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/phone",
        auth="tenant_or_session",
        body=PhoneSend,
        status=202,
        tags=("otp",),
        summary="Send an SMS code",
    )
    def phone_send(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        facts = phone_facts(ctx.body.phone, (ctx.body.country or "").upper() or None)
        return send_valid(
            ctx,
            session_id,
            "phone",
            facts,
            "e164",
            "the phone number",
            code="phone-invalid",
            error_type="PHONE_INVALID",
        )

    @router.route(
        "POST",
        "/v1/sessions/<uuid:session_id>/phone/check",
        auth="tenant_or_session",
        body=CodeCheck,
        tags=("otp",),
        summary="Check an SMS code",
    )
    def phone_check(ctx: Ctx, session_id: uuid.UUID) -> Reply:
        return check(ctx, session_id, "phone")
