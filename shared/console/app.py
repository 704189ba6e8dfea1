"""The review console over HTTP: routing, the signed-in person, role checks on every route,
CSRF, security headers and rendering. The rules live in `accounts`, `queue`, `case`,
`actions`, `report` and `analytics`; each request runs in the person's tenant transaction
(RLS), so another tenant's ids are unknown (404)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from shared.aml import hit_review
from shared.audit import audit
from shared.blocklist.from_session import add_from_session
from shared.config import Settings
from shared.console import accounts, actions, analytics, case, notes, queue, sso
from shared.console.accounts import Person
from shared.console.errors import (
    AccountLocked,
    CaseConflict,
    InviteInvalid,
    NotAllowed,
    NotAssignee,
    SignInFailed,
)
from shared.console.page import Page
from shared.console.roles import ROLES, may, require
from shared.console.settings_screens import KeyAndBlocklistScreens
from shared.crypto.envelope import load_master_key
from shared.db.function_role import app_database_url
from shared.db.tenant_tx import Database
from shared.errors import DomainError, InvalidInput, UnknownSubject
from shared.hosted import csrf
from shared.hosted.assets import static_files, static_response, templates
from shared.hosted.branding import BrandingError, BrandingIn, load_branding, save_branding
from shared.hosted.qr import qr_svg
from shared.hosted.security import security_headers
from shared.http.readiness import readiness
from shared.messaging.delivery import send_external
from shared.tenancy import retention
from shared.tenancy.tenants import tenant_cipher
from shared.webhooks import delivery_log
from shared.workflows import sandbox_run, versions
from shared.workflows.dry_run import DryRunRequest, dry_run, request_errors
from shared.workflows.store import list_workflows

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
COOKIE = "idmesh_console"
SSO_COOKIE = "idmesh_console_sso"
MAX_BODY = 256 * 1024


def _settings_form(
    request: Request, template: str, context: dict[str, Any], refused: object
) -> Page:
    """A settings page: 422 while a save is `refused` (the page shows why), and the saved
    notice after the redirect that follows a save (`?saved=1`)."""
    return Page(
        template, {**context, "saved": request.args.get("saved")}, status=422 if refused else 200
    )


class _Forbidden(Exception):
    """A post without the page's CSRF token or from another origin."""


# endpoint -> (permission or None for any signed-in person, or "public")
ROUTES: list[tuple[str, str, list[str], str]] = [
    ("/healthz", "healthz", ["GET"], "public"),
    ("/readyz", "readyz", ["GET"], "public"),
    ("/assets/<name>", "static", ["GET"], "public"),
    ("/sign-in", "sign_in", ["GET", "POST"], "public"),
    ("/sign-in/code", "sign_in_code", ["GET", "POST"], "mfa"),
    ("/sign-in/sso", "sso_start", ["POST"], "public"),
    ("/sso/callback", "sso_callback", ["GET"], "public"),
    ("/sign-out", "sign_out", ["POST"], "mfa"),
    ("/invite/<token>", "invite", ["GET", "POST"], "public"),
    ("/", "home", ["GET"], "signed_in"),
    ("/queue", "queue", ["GET"], "cases:read"),
    ("/cases/<session_id>", "case", ["GET"], "cases:read"),
    ("/cases/<session_id>/evidence/<artifact_id>", "evidence", ["GET"], "cases:read"),
    ("/cases/<session_id>/report.pdf", "report", ["GET"], "cases:read"),
    ("/cases/<session_id>/claim", "claim", ["POST"], "cases:decide"),
    ("/cases/<session_id>/assign", "assign", ["POST"], "cases:assign"),
    ("/cases/<session_id>/decision", "decision", ["POST"], "cases:decide"),
    ("/cases/<session_id>/chip-portrait", "chip_portrait", ["GET"], "cases:read"),
    ("/cases/<session_id>/aml", "aml_disposition", ["POST"], "cases:decide"),
    ("/cases/<session_id>/blocklist", "blocklist_add", ["POST"], "blocklist:add"),
    ("/cases/<session_id>/notes", "note", ["POST"], "cases:decide"),
    ("/mentions", "mentions", ["GET"], "cases:read"),
    ("/analytics", "analytics", ["GET"], "analytics:read"),
    ("/team", "team", ["GET"], "team:manage"),
    ("/team/invite", "team_invite", ["POST"], "team:manage"),
    ("/settings/four-eyes", "four_eyes", ["POST"], "settings:manage"),
    ("/settings/sso", "sso_settings", ["GET", "POST"], "settings:manage"),
    ("/settings/retention", "retention", ["GET", "POST"], "settings:manage"),
    ("/settings/branding", "branding", ["GET", "POST"], "settings:manage"),
    ("/settings/webhooks", "webhooks", ["GET"], "webhooks:manage"),
    ("/settings/webhooks/<delivery_id>/resend", "resend", ["POST"], "webhooks:manage"),
    ("/team/<user_id>/role", "team_role", ["POST"], "team:manage"),
    ("/settings/workflows", "workflows", ["GET"], "workflows:manage"),
    ("/settings/workflows/<wf>", "workflow", ["GET", "POST"], "workflows:manage"),
    ("/settings/workflows/<wf>/test", "workflow_test", ["POST"], "workflows:manage"),
    ("/settings/workflows/<wf>/runs", "workflow_run", ["POST"], "workflows:manage"),
    ("/settings/workflows/<wf>/runs/<run>", "workflow_run_view", ["GET"], "workflows:manage"),
    ("/settings/api-keys", "api_keys", ["GET", "POST"], "keys:manage"),
    ("/settings/api-keys/<key_id>/rotate", "api_key_rotate", ["POST"], "keys:manage"),
    ("/settings/api-keys/<key_id>/revoke", "api_key_revoke", ["POST"], "keys:manage"),
    ("/settings/blocklist", "blocklist", ["GET", "POST"], "blocklist:add"),
    ("/settings/blocklist/<entry_id>/remove", "blocklist_remove", ["POST"], "blocklist:remove"),
]


class ConsoleApp(KeyAndBlocklistScreens):
    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.base_url = (settings.console_url or settings.public_url).rstrip("/")
        self.db = db or Database(app_database_url(settings), max_size=settings.db_pool_size or 4)
        self.master_key = load_master_key(settings)
        self.csrf_key = hmac.new(
            self.master_key, b"idmesh console csrf v1", hashlib.sha256
        ).digest()
        self.sso_key = sso.flow_key(self.master_key)
        self.redirect_uri = f"{self.base_url}/sso/callback"
        self.jinja = templates(HERE)
        threading.Thread(target=accounts.warm_up, name="argon2-warm-up", daemon=True).start()
        self.static_files = static_files(HERE)
        self.permission = {endpoint: perm for _, endpoint, _, perm in ROUTES}
        self.map = Map(
            [Rule(path, endpoint=ep, methods=m) for path, ep, m, _ in ROUTES],
            strict_slashes=False,
        )

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        request.max_content_length = MAX_BODY
        person: Person | None = None
        try:
            endpoint, args = self.map.bind("localhost", path_info=request.path).match(
                method=request.method
            )
            if endpoint == "healthz":
                return Response(json.dumps({"status": "ok"}), mimetype="application/json")
            if endpoint == "readyz":
                return readiness(self.db)
            if endpoint == "static":
                return self._static(args["name"])
            perm = self.permission[endpoint]
            person = accounts.person_for(self.db, request.cookies.get(COOKIE))
            if perm != "public":
                if person is None:
                    return self._finish(request, Page(location="/sign-in"), None)
                if perm == "mfa":
                    pass  # the code form and sign-out take a half-signed-in session
                elif not person.mfa_done:
                    return self._finish(request, Page(location="/sign-in/code"), person)
                elif perm != "signed_in":
                    require(person.role, perm)
            if request.method == "POST":
                self._check_post(request, person if perm != "public" else None)
            page = getattr(self, f"_{endpoint}")(request, person, **args)
            return self._finish(request, page, person)
        except UnknownSubject:
            return self._finish(request, self._error(404, "Not found."), person)
        except NotAllowed as exc:
            return self._finish(request, self._error(403, exc.detail), person)
        except _Forbidden:
            return self._finish(request, self._error(403, "This form expired: reload it."), person)
        except (NotAssignee, CaseConflict) as exc:
            return self._finish(request, self._error(409, exc.detail), person)
        except InviteInvalid as exc:
            return self._finish(request, self._error(422, exc.detail), person)
        except (NotFound, MethodNotAllowed) as exc:
            return self._finish(request, self._error(exc.code or 404, "Not found."), person)
        except HTTPException as exc:
            return self._finish(request, self._error(exc.code or 400, "Bad request."), person)
        except DomainError as exc:
            return self._finish(request, self._error(422, exc.detail), person)
        except Exception:
            log.exception("unhandled error on %s", request.method)
            return self._finish(request, self._error(500, "Something went wrong."), person)

    def _check_post(self, request: Request, person: Person | None) -> None:
        if not csrf.same_origin(
            request.headers.get("Origin"), request.headers.get("Referer"), self.base_url
        ):
            raise _Forbidden()
        if person is not None and not csrf.csrf_valid(
            self.csrf_key, person.console_session_id, request.form.get(csrf.FIELD)
        ):
            raise _Forbidden()

    def _finish(self, request: Request, page: Page, person: Person | None) -> Response:
        if page.location is not None:
            resp = redirect(page.location, code=303)
        elif page.template is not None:
            ctx = {
                "person": person,
                "csrf": csrf.csrf_token(self.csrf_key, person.console_session_id) if person else "",
                "csrf_field": csrf.FIELD,
                "may": (lambda p: bool(person and person.mfa_done and may(person.role, p))),
                **page.context,
            }
            html = self.jinja.get_template(page.template).render(**ctx)
            resp = Response(html, status=page.status, mimetype="text/html")
        else:
            resp = Response(page.body or b"", status=page.status, mimetype=page.mimetype)
        for k, v in security_headers([]).items():
            resp.headers[k] = v
        resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        for k, v in page.headers.items():
            resp.headers[k] = v
        secure = self.base_url.startswith("https://")
        if page.sso_cookie is not None:
            # Lax: the provider's redirect back is a top-level cross-site navigation
            resp.set_cookie(
                SSO_COOKIE,
                page.sso_cookie,
                max_age=sso.FLOW_SECONDS if page.sso_cookie else 0,
                path="/sso",
                secure=secure,
                httponly=True,
                samesite="Lax",
            )
        if page.cookie is not None:
            if page.cookie:
                resp.set_cookie(
                    COOKIE,
                    page.cookie,
                    max_age=accounts.SESSION_HOURS * 3600,
                    path="/",
                    secure=secure,
                    httponly=True,
                    samesite="Strict",
                )
            else:
                resp.delete_cookie(
                    COOKIE, path="/", secure=secure, httponly=True, samesite="Strict"
                )
        return resp

    def _error(self, status: int, message: str) -> Page:
        return Page("error.html", {"message": message, "status": status}, status=status)

    def _static(self, name: str) -> Response:
        return static_response(self.static_files, name)

    def _tenant(self, person: Person):
        """The person's tenant transaction over live sessions: sandbox sessions (a test key's,
        a workflow's sandbox runs) stay out of the queue, cases and analytics."""
        return self.db.tenant(person.tenant_id, mode="live")

    def _cipher(self, conn, person: Person):
        return tenant_cipher(conn, self.master_key, person.tenant_id)

    # -- signing in -----------------------------------------------------------------------
    def _sign_in(self, request: Request, person: Person | None) -> Page:
        if request.method == "GET":
            if person is not None and person.mfa_done:
                return Page(location="/queue")
            return Page("sign_in.html")
        try:
            token = accounts.sign_in_password(
                self.db, request.form.get("email", ""), request.form.get("password", "")
            )
        except (SignInFailed, AccountLocked) as exc:
            status = 423 if isinstance(exc, AccountLocked) else 401
            return Page("sign_in.html", {"error": exc.detail}, status=status)
        return Page(location="/sign-in/code", cookie=token)

    def _sign_in_code(self, request: Request, person: Person) -> Page:
        if person.mfa_done:
            return Page(location="/queue")
        if request.method == "GET":
            return Page("sign_in_code.html")
        try:
            accounts.sign_in_code(
                self.db,
                lambda conn: self._cipher(conn, person),
                person,
                request.form.get("code", ""),
            )
        except SignInFailed as exc:
            return Page("sign_in_code.html", {"error": exc.detail}, status=401)
        except AccountLocked as exc:
            return Page("sign_in.html", {"error": exc.detail}, status=423, cookie="")
        return Page(location="/queue")

    def _sso_start(self, request: Request, person: Person | None) -> Page:
        try:
            url, flow = sso.start(
                self.db, self.sso_key, request.form.get("email", ""), self.redirect_uri
            )
        except SignInFailed as exc:
            return Page("sign_in.html", {"error": exc.detail}, status=401)
        return Page(location=url, sso_cookie=flow)

    def _sso_callback(self, request: Request, person: Person | None) -> Page:
        if request.args.get("error"):
            return Page(
                "sign_in.html", {"error": "the provider did not sign you in"}, 401, sso_cookie=""
            )
        try:
            token = sso.finish(
                self.db,
                self.sso_key,
                lambda conn, tenant_id: tenant_cipher(conn, self.master_key, tenant_id),
                request.cookies.get(SSO_COOKIE),
                request.args.get("state", ""),
                request.args.get("code", ""),
                self.redirect_uri,
            )
        except (SignInFailed, AccountLocked) as exc:
            status = 423 if isinstance(exc, AccountLocked) else 401
            return Page("sign_in.html", {"error": exc.detail}, status=status, sso_cookie="")
        # A page, not a redirect: the navigation to the queue then starts on this origin, so
        # the SameSite=Strict session cookie goes with it.
        return Page("signed_in.html", cookie=token, sso_cookie="")

    def _sso_settings(self, request: Request, person: Person) -> Page:
        error = None
        with self._tenant(person) as conn:
            cipher = self._cipher(conn, person)
            if request.method == "POST":
                try:
                    with conn.transaction():
                        sso.set_config(
                            conn,
                            cipher,
                            person.role,
                            person.actor,
                            person.actor_name,
                            request.form.get("issuer", ""),
                            request.form.get("client_id", ""),
                            request.form.get("client_secret") or None,
                            request.form.get("enabled") == "on",
                        )
                except DomainError as exc:
                    error = exc.detail
                else:
                    return Page(location="/settings/sso?saved=1")
            cfg = sso.get_config(conn)
        return _settings_form(
            request,
            "sso.html",
            {"cfg": cfg, "error": error, "redirect_uri": self.redirect_uri},
            refused=error,
        )

    def _sign_out(self, request: Request, person: Person) -> Page:
        accounts.sign_out(self.db, person)
        return Page(location="/sign-in", cookie="")

    def _invite(self, request: Request, person: Person | None, token: str) -> Page:
        tenant_id, invite_id, user_id = accounts.find_invitation(self.db, token)
        with self.db.tenant(tenant_id) as conn:
            cipher = tenant_cipher(conn, self.master_key, tenant_id)
            inv = accounts.load_invitation(conn, cipher, invite_id, user_id)
            if request.method == "POST":
                error = None
                try:
                    with conn.transaction():
                        accounts.accept_invitation(
                            conn,
                            inv,
                            request.form.get("name", ""),
                            request.form.get("password", ""),
                            request.form.get("code", ""),
                        )
                except InviteInvalid as exc:
                    error = exc.detail
                if error is None:
                    return Page(location="/sign-in?welcome=1")
            else:
                error = None
        return Page(
            "invite.html",
            {
                "invitation": inv,
                # our own SVG (segno), no user input in it
                "qr": Markup(qr_svg(inv.provisioning_uri, "authenticator set-up code")),  # noqa: S704
                "error": error,
                "min_password": accounts.MIN_PASSWORD,
            },
            status=422 if error else 200,
        )

    # -- cases ----------------------------------------------------------------------------
    def _home(self, request: Request, person: Person) -> Page:
        return Page(location="/queue" if may(person.role, "cases:read") else "/analytics")

    def _queue(self, request: Request, person: Person) -> Page:
        try:
            f = queue.QueueFilter.model_validate(dict(request.args.items()))
        except ValidationError:
            f, bad = queue.QueueFilter(), True
        else:
            bad = False
        with self._tenant(person) as conn:
            items, more = queue.queue(conn, f, person.user_id, self._cipher(conn, person))
            counts = queue.counts_by_status(conn)
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return Page(
            "queue.html",
            {
                "items": items,
                "more": more,
                "f": f,
                "counts": counts,
                "bad_filter": bad,
                "prev_url": "/queue?" + urlencode({**args, "page": max(f.page - 1, 0)}),
                "next_url": "/queue?" + urlencode({**args, "page": f.page + 1}),
            },
            status=422 if bad else 200,
        )

    def _case(self, request: Request, person: Person, session_id: str) -> Page:
        with self._tenant(person) as conn:
            c = case.load_case(conn, self._cipher(conn, person), session_id)
            people = accounts.people_who_decide(conn)
            four = actions.four_eyes(conn)
            steps = actions._workflow_steps(conn, c.session)
            notes.mark_seen(conn, person.user_id, str(c.session.id))
        return Page(
            "case.html",
            {
                "c": c,
                "people": people,
                "four_eyes": four,
                "steps": steps,
                "reasons": actions.reason_catalogue(),
                "mine": c.assignment is not None
                and str(c.assignment["assignee"]) == person.user_id,
                "done": request.args.get("done"),
            },
        )

    def _evidence(
        self, request: Request, person: Person, session_id: str, artifact_id: str
    ) -> Page:
        with self._tenant(person) as conn:
            data, ctype = case.evidence(conn, self._cipher(conn, person), session_id, artifact_id)
        return Page(
            body=data,
            mimetype=ctype,
            headers={"Cache-Control": "no-store, private", "Content-Disposition": "inline"},
        )

    def _report(self, request: Request, person: Person, session_id: str) -> Page:
        from shared.console import report  # reportlab: imported by the first report only

        with self._tenant(person) as conn:
            pdf, report_id, digest = report.issue_report(
                conn, self._cipher(conn, person), session_id, person.actor
            )
        return Page(
            body=pdf,
            mimetype="application/pdf",
            headers={
                "Cache-Control": "no-store, private",
                "Content-Disposition": f'inline; filename="idmesh-report-{report_id}.pdf"',
                "X-Report-Id": report_id,
                "X-Report-SHA256": digest,
            },
        )

    def _chip_portrait(self, request: Request, person: Person, session_id: str) -> Page:
        with self._tenant(person) as conn:
            data = case.chip_portrait(conn, self._cipher(conn, person), session_id)
        return Page(
            body=data,
            mimetype="image/jpeg",
            headers={"Cache-Control": "no-store, private", "Content-Disposition": "inline"},
        )

    def _aml_disposition(self, request: Request, person: Person, session_id: str) -> Page:
        def act(conn):
            s = case.find_session(conn, session_id)
            row = hit_review.dispose(
                conn,
                self._cipher(conn, person),
                str(s.id),
                request.form.get("entity_id", ""),
                request.form.get("decision", ""),
                request.form.get("reason", ""),
                person.actor,
                person.actor_name,
                person.user_id,
            )
            return f"match_{row['decision']}"

        return self._in_case(person, session_id, act)

    def _blocklist_add(self, request: Request, person: Person, session_id: str) -> Page:
        def act(conn):
            s = case.find_session(conn, session_id)
            add_from_session(
                conn,
                self._cipher(conn, person),
                str(s.id),
                request.form.get("kind", ""),
                person.actor,
                person.actor_name,
                request.form.get("reason") or None,
            )
            return "blocklisted"

        return self._in_case(person, session_id, act)

    def _note(self, request: Request, person: Person, session_id: str) -> Page:
        with self._tenant(person) as conn:
            _, people = notes.add_note(
                conn, person, session_id, request.form.get("body", ""), self.base_url
            )
        for p in people:  # after the commit: the outbox row of each e-mail is kept
            self._notify_mention(p["email"], session_id, person.actor_name)
        return Page(location=f"/cases/{session_id}?done=note_added")

    def _notify_mention(self, email: str, session_id: str, by: str) -> None:
        # a failure is only logged: the mention is listed on the Mentions page anyway
        body = notes.mention_body(by, self.base_url, session_id)
        self._email(email, notes.MENTION_SUBJECT, body, "mention")

    def _email(self, to: str, subject: str, body: str, what: str) -> None:
        """Hand an e-mail (its outbox row already committed) to the provider; a failure is
        logged, not raised."""
        try:
            send_external(self.settings, "email", to, subject, body)
        except Exception:  # noqa: BLE001 - the outbox row is kept
            log.warning("%s e-mail not handed to the provider", what)

    def _mentions(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            items = notes.mentions_for(conn, person.user_id)
        return Page("mentions.html", {"items": items})

    def _in_case(self, person: Person, session_id: str, act: Callable[[Any], Any]) -> Page:
        with self._tenant(person) as conn:
            result = act(conn)
        suffix = f"?done={result}" if isinstance(result, str) else ""
        return Page(location=f"/cases/{session_id}{suffix}")

    def _claim(self, request: Request, person: Person, session_id: str) -> Page:
        return self._in_case(person, session_id, lambda c: actions.claim(c, person, session_id))

    def _assign(self, request: Request, person: Person, session_id: str) -> Page:
        to = request.form.get("assignee", "")
        return self._in_case(
            person, session_id, lambda c: actions.assign(c, person, session_id, to)
        )

    def _decision(self, request: Request, person: Person, session_id: str) -> Page:
        try:
            form = actions.DecisionForm(
                action=request.form.get("action", ""),
                reason_codes=request.form.getlist("reason_codes"),
                note=request.form.get("note") or None,
                steps=request.form.getlist("steps"),
            )
        except ValidationError:
            return self._error(422, "The decision form is not valid.")
        return self._in_case(person, session_id, lambda c: actions.act(c, person, session_id, form))

    # -- analytics, team ------------------------------------------------------------------
    def _analytics(self, request: Request, person: Person) -> Page:
        try:
            days = min(max(int(request.args.get("days", "30")), 1), 3650)
        except ValueError:
            days = 30
        with self._tenant(person) as conn:
            a = analytics.analytics(conn, days)
        charts = [  # our own SVG: every label is escaped by bar_chart
            Markup(analytics.bar_chart(title, rows))  # noqa: S704
            for title, rows in (
                ("Funnel", a.funnel),
                ("Decision mix", a.decisions),
                ("Top decline and review reasons", a.reasons),
                ("Reviews per person", a.workload),
            )
        ]
        return Page("analytics.html", {"a": a, "charts": charts})

    def _team(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            people = accounts.team(conn)
            four = actions.four_eyes(conn)
        return Page(
            "team.html",
            {
                "people": people,
                "roles": ROLES,
                "four_eyes": four,
                "invited": request.args.get("invited"),
                "changed": request.args.get("changed"),
            },
        )

    def _team_invite(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            _, link = accounts.invite(
                conn,
                self._cipher(conn, person),
                person.actor,
                person.role,
                request.form.get("email", ""),
                request.form.get("role", ""),
                self.base_url,
                actor_name=person.actor_name,
            )
        self._send_invite(request.form.get("email", ""), link)
        return Page(location="/team?invited=1")

    def _send_invite(self, email: str, link: str) -> None:
        # a failure is only logged: the admin can re-invite
        self._email(
            accounts.normalise_email(email),
            "You are invited to the idmesh review console",
            f"Open this link to set up your account:\n\n{link}\n",
            "invitation",
        )

    def _team_role(self, request: Request, person: Person, user_id: str) -> Page:
        with self._tenant(person) as conn:
            accounts.set_role(conn, person, user_id, request.form.get("role", ""))
        return Page(location="/team?changed=1")

    def _webhooks(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            items = delivery_log.deliveries(conn, 100)
        return Page("webhooks.html", {"items": items, "resent": request.args.get("resent")})

    def _resend(self, request: Request, person: Person, delivery_id: str) -> Page:
        with self._tenant(person) as conn:
            delivery_log.resend(
                conn, person.tenant_id, person.actor, delivery_id, person.actor_name
            )
        return Page(location="/settings/webhooks?resent=1")

    def _retention(self, request: Request, person: Person) -> Page:
        error = None
        with self._tenant(person) as conn:
            if request.method == "POST":

                def days(name: str) -> int | None:
                    raw = request.form.get(name, "").strip()
                    if not raw:
                        return None
                    if not raw.isdigit() or len(raw) > 5:
                        raise InvalidInput(f"{name.replace('_', ' ')} is a number of days")
                    return int(raw)

                try:
                    with conn.transaction():
                        retention.set_retention(
                            conn,
                            person.tenant_id,
                            person.actor,
                            days("retention_days"),
                            days("artifact_retention_days"),
                            person.actor_name,
                        )
                except InvalidInput as exc:
                    error = exc.detail
                else:
                    return Page(location="/settings/retention?saved=1")
            current = retention.get_retention(conn)
        return _settings_form(request, "retention.html", {"r": current, "error": error}, error)

    def _workflows(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            items = list_workflows(conn)
        return Page("workflows.html", {"items": items})

    def _workflow_test(self, request: Request, person: Person, wf: str) -> Page:
        """Which steps given results would trigger (the API's dry run; nothing stored)."""
        text = request.form.get("facts", "")
        with self._tenant(person) as conn:
            current = versions.current(conn, versions.workflow_id(wf))
        answer, test_errors = None, []
        try:
            req = DryRunRequest.model_validate_json(text or "{}")
        except ValidationError as exc:
            test_errors = [
                {"pointer": "/" + "/".join(str(x) for x in e["loc"]), "detail": e["msg"]}
                for e in exc.errors()
            ]
        else:
            test_errors = request_errors(current.definition, req)
            if not test_errors:
                answer = dry_run(current.definition, req)
        page = self._workflow(request, person, wf, test=(text, answer, test_errors))
        page.status = 422 if test_errors else 200
        return page

    def _workflow_run(self, request: Request, person: Person, wf: str) -> Page:
        """A sandbox session of the workflow with the outcomes asked for, through the
        production path (shared/workflows/sandbox_run.py)."""
        wf_id = versions.workflow_id(wf)
        with self.db.tenant(person.tenant_id, mode="test") as conn:
            current = versions.current(conn, wf_id)
            outcomes = {
                c: request.form.get(f"outcome_{c}", "approved")
                for c in sandbox_run.checks_of(current)
            }
            try:
                req = sandbox_run.RunRequest(outcomes=outcomes)
            except ValidationError as exc:
                raise InvalidInput("each outcome is approved, review, declined or error") from exc
            sid = sandbox_run.start(conn, self._cipher(conn, person), person.actor, current, req)
        return Page(location=f"/settings/workflows/{wf_id}/runs/{sid}")

    def _workflow_run_view(self, request: Request, person: Person, wf: str, run: str) -> Page:
        wf_id = versions.workflow_id(wf)
        with self.db.tenant(person.tenant_id, mode="test") as conn:
            current = versions.current(conn, wf_id)
            view = sandbox_run.view(conn, self._cipher(conn, person), wf_id, run)
        return Page(
            "workflow_run.html",
            {"wf": current, "run": view},
            headers={} if view.finished else {"Refresh": "2"},
        )

    def _workflow(self, request: Request, person: Person, wf: str, test=None) -> Page:
        wf_id = versions.workflow_id(wf)
        error, errors, text = None, [], None
        with self._tenant(person) as conn:
            if request.method == "POST" and test is None:
                text = request.form.get("definition", "")
                try:
                    with conn.transaction():
                        info = versions.edit(
                            conn, person.tenant_id, person.actor, wf_id, text, person.actor_name
                        )
                except InvalidInput as exc:
                    error, errors = exc.detail, exc.errors or []
                else:
                    v = info.version
                    return Page(location=f"/settings/workflows/{wf_id}?old={v - 1}&new={v}")
            current = versions.current(conn, wf_id)
            all_versions = versions.versions(conn, wf_id)

            def version_arg(name: str, default: int) -> int:
                raw = request.args.get(name, "")
                return int(raw) if raw.isdigit() and len(raw) < 7 else default

            new = version_arg("new", current.version)
            old = version_arg("old", max(new - 1, 1))
            lines = versions.diff(conn, wf_id, old, new) if old != new else []
        return Page(
            "workflow.html",
            {
                "wf": current,
                "text": text if text is not None else versions.pretty(current),
                "versions": all_versions,
                "diff": lines,
                "old": old,
                "new": new,
                "error": error,
                "errors": errors,
                "facts": test[0] if test else versions.sample_facts(current),
                "plan": test[1] if test else None,
                "test_errors": test[2] if test else [],
                "run_checks": sandbox_run.checks_of(current),
            },
            status=422 if error else 200,
        )

    def _branding(self, request: Request, person: Person) -> Page:
        errors: list[str] = []
        with self._tenant(person) as conn:
            if request.method == "POST":
                f = request.form
                upload = request.files.get("logo")
                logo = upload.read(MAX_BODY) if upload and upload.filename else None
                if logo is None and f.get("remove_logo") != "on":
                    row = conn.execute("SELECT logo FROM tenant_branding").fetchone()
                    logo = bytes(row["logo"]) if row and row["logo"] else None
                raw_days = f.get("retention_days", "").strip()
                try:
                    body = BrandingIn(
                        display_name=f.get("display_name", "").strip() or None,
                        logo=base64.b64encode(logo).decode() if logo else None,
                        primary_color=f.get("primary_color", ""),
                        background_color=f.get("background_color", ""),
                        text_color=f.get("text_color", ""),
                        privacy_url=f.get("privacy_url", "").strip() or None,
                        retention_days=int(raw_days) if raw_days.isdigit() else None,
                        allowed_origins=[
                            o.strip() for o in f.get("allowed_origins", "").split() if o.strip()
                        ],
                        allow_file_upload=f.get("allow_file_upload") == "on",
                    )
                    with conn.transaction():
                        save_branding(conn, person.tenant_id, body)
                        audit(
                            conn,
                            person.tenant_id,
                            person.actor,
                            "tenant.branding_set",
                            actor_name=person.actor_name,
                        )
                except ValidationError as exc:
                    errors = [
                        f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
                    ]
                except BrandingError as exc:
                    errors = [f"{exc.pointer.strip('/')}: {exc.detail}"]
                else:
                    return Page(location="/settings/branding?saved=1")
            current = load_branding(conn, person.tenant_id)
        return _settings_form(request, "branding.html", {"b": current, "errors": errors}, errors)

    def _four_eyes(self, request: Request, person: Person) -> Page:
        with self._tenant(person) as conn:
            actions.set_four_eyes(conn, person, request.form.get("decline") == "on")
        return Page(location="/team")
