"""The hosted pages over HTTP: routing, rendering, security headers. The flow's rules live
in `visit`, `steps`, `links`, `capture`; the end user's actions go through the API."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from shared.config import Settings
from shared.crypto.envelope import load_master_key
from shared.db.function_role import process_database_url
from shared.db.tenant_tx import Database
from shared.hosted import csrf
from shared.hosted.api_client import ApiUnavailable, EndUserApi, acting_for
from shared.hosted.assets import static_files, static_response, templates
from shared.hosted.branding import load_logo
from shared.hosted.capture import UNREADABLE, check_capture, load_models
from shared.hosted.events import Snapshot, StreamSlots, status_stream
from shared.hosted.i18n import LANGUAGES, Translator, negotiate
from shared.hosted.links import (
    LinkError,
    exchange_handoff,
    issue_handoff,
    mark_same_device,
    resolve,
    session_token,
)
from shared.hosted.progress import RateLimited
from shared.hosted.qr import qr_svg
from shared.hosted.security import security_headers
from shared.hosted.steps import CAPTURE_KINDS, DOCUMENT_TYPES
from shared.hosted.visit import (
    CLOSED_STATES,
    FINAL_STATES,
    SessionClosed,
    Visit,
    count_attempt,
    give_consent,
    load_visit,
    mark_done,
    read_state,
    set_challenge,
    update_progress,
)
from shared.http.client_addr import client_addr, parse_cidrs
from shared.http.readiness import readiness
from shared.risk.behaviour import step_seen, steps_progressed
from shared.risk.device import DeviceReport, record_device
from shared.tenancy.tenants import tenant_cipher

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
LANG_COOKIE = "idmesh_lang"
MAX_BODY = 12 * 1024 * 1024
LIVENESS_MAX_FRAMES = 90
_TOKEN_RE = re.compile(r"/(v|h)/[^/]+")


def redact(path: str) -> str:
    """A path fit for logs: link tokens replaced."""
    return _TOKEN_RE.sub(r"/\1/<token>", path)


@dataclass
class Page:
    """What a handler answers: a template with its context, a redirect, or raw content."""

    template: str | None = None
    context: dict[str, Any] | None = None
    status: int = 200
    location: str | None = None
    body: bytes | str | None = None
    mimetype: str = "text/html"
    stream: Iterator[bytes] | None = None  # a streamed body (Server-Sent Events)
    on_close: Callable[[], None] | None = None


class HostedApp:
    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.trusted_cidrs = parse_cidrs(settings.trusted_proxy_cidrs)
        self.base_url = (settings.hosted_url or settings.public_url).rstrip("/")
        url = process_database_url(settings)
        self.db = db or Database(url, max_size=8)
        self.master_key = load_master_key(settings)
        self.api = EndUserApi(settings.api_internal_url or settings.public_url)
        self.jinja = templates(HERE)
        self.streams = StreamSlots()
        self.static_files = static_files(HERE)
        load_models()
        self.map = Map(
            [
                Rule("/healthz", endpoint="healthz", methods=["GET"]),
                Rule("/readyz", endpoint="readyz", methods=["GET"]),
                # not /static/: functions-framework's Flask app answers that path itself
                Rule("/assets/<name>", endpoint="static", methods=["GET"]),
                Rule("/h/<token>", endpoint="handoff_open", methods=["GET"]),
                Rule("/v/<token>", endpoint="home", methods=["GET"]),
                Rule("/v/<token>/step/<step>", endpoint="step", methods=["GET"]),
                Rule("/v/<token>/consent", endpoint="consent", methods=["POST"]),
                Rule("/v/<token>/document", endpoint="document", methods=["POST"]),
                Rule("/v/<token>/capture/<step>", endpoint="capture", methods=["POST"]),
                Rule("/v/<token>/liveness/challenge", endpoint="challenge", methods=["POST"]),
                Rule("/v/<token>/liveness/frames", endpoint="frames", methods=["POST"]),
                Rule("/v/<token>/otp/<channel>", endpoint="otp_send", methods=["POST"]),
                Rule("/v/<token>/otp/<channel>/check", endpoint="otp_check", methods=["POST"]),
                Rule("/v/<token>/handoff", endpoint="handoff", methods=["POST"]),
                Rule("/v/<token>/device", endpoint="device", methods=["POST"]),
                Rule("/v/<token>/status", endpoint="status", methods=["GET"]),
                Rule("/v/<token>/events", endpoint="events", methods=["GET"]),
                Rule("/v/<token>/theme.css", endpoint="theme", methods=["GET"]),
                Rule("/v/<token>/logo", endpoint="logo", methods=["GET"]),
            ],
            strict_slashes=False,
        )

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with acting_for(self._end_user_addr(request)):
            return self._handle(request)

    def _end_user_addr(self, request: Request) -> str:
        return client_addr(request, self.settings.trusted_proxy_count, self.trusted_cidrs)

    def _handle(self, request: Request) -> Response:
        request.max_content_length = MAX_BODY
        adapter = self.map.bind("localhost", path_info=request.path)
        visit: Visit | None = None
        t = self._translator(request, None)
        try:
            endpoint, args = adapter.match(method=request.method)
            if endpoint == "healthz":
                return Response(json.dumps({"status": "ok"}), mimetype="application/json")
            if endpoint == "readyz":
                return readiness(self.db)
            if endpoint == "static":
                return self._static(args["name"])
            if endpoint == "handoff_open":
                page = self._handoff_open(args["token"])
                return self._finish(request, page, None, t)
            token = args.pop("token")
            link = resolve(self.db, token)
            if request.method == "POST":
                self._check_post(request, link.id)
            with self.db.tenant(link.tenant_id) as conn:
                visit = load_visit(conn, link, self.settings.hosted_rate_per_minute)
            t = self._translator(request, visit)
            page = getattr(self, f"_{endpoint}")(request, visit, t, token, **args)
            return self._finish(request, page, visit, t, token)
        except LinkError as exc:
            status = 404 if exc.code == "unknown" else 410
            return self._finish(request, self._error_page(t, "expired", status), None, t)
        except SessionClosed:
            return self._finish(request, self._error_page(t, "expired", 410), None, t)
        except RateLimited as exc:
            page = self._error_page(t, "rate", 429)
            resp = self._finish(request, page, visit, t)
            resp.headers["Retry-After"] = str(exc.retry_after)
            return resp
        except _Forbidden:
            return self._finish(request, self._error_page(t, "csrf", 403), visit, t)
        except ApiUnavailable:
            return self._finish(request, self._error_page(t, "generic", 503), visit, t)
        except (NotFound, MethodNotAllowed) as exc:
            return self._finish(request, self._error_page(t, "notfound", exc.code or 404), None, t)
        except HTTPException as exc:  # e.g. a body over the limit
            return self._finish(request, self._error_page(t, "generic", exc.code or 400), None, t)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, redact(request.path))
            return self._finish(request, self._error_page(t, "generic", 500), None, t)

    def _check_post(self, request: Request, link_id: str) -> None:
        if not csrf.same_origin(
            request.headers.get("Origin"), request.headers.get("Referer"), self.base_url
        ):
            raise _Forbidden()
        presented = request.headers.get(csrf.HEADER) or request.form.get(csrf.FIELD)
        if not csrf.csrf_valid(self.master_key, link_id, presented):
            raise _Forbidden()

    def _translator(self, request: Request, visit: Visit | None) -> Translator:
        return Translator(
            negotiate(
                request.args.get("lang") or request.cookies.get(LANG_COOKIE),
                visit.language if visit else None,
                request.headers.get("Accept-Language"),
            )
        )

    def _finish(
        self,
        request: Request,
        page: Page,
        visit: Visit | None,
        t: Translator,
        token: str | None = None,
    ) -> Response:
        if page.location is not None:
            resp = redirect(page.location, code=303)
        elif page.stream is not None:
            resp = Response(page.stream, mimetype=page.mimetype, direct_passthrough=True)
            resp.headers["X-Accel-Buffering"] = "no"  # proxies pass each event at once
            if page.on_close is not None:
                resp.call_on_close(page.on_close)
        elif page.template is not None:
            ctx = self._base_context(visit, t, token)
            ctx.update(page.context or {})
            html = self.jinja.get_template(page.template).render(**ctx)
            resp = Response(html, status=page.status, mimetype="text/html")
        else:
            resp = Response(page.body or b"", status=page.status, mimetype=page.mimetype)
        origins = visit.branding.allowed_origins if visit else []
        for k, v in security_headers(origins).items():
            resp.headers[k] = v
        if request.args.get("lang") in LANGUAGES:
            resp.set_cookie(
                LANG_COOKIE,
                request.args["lang"],
                max_age=86400,
                path="/",
                secure=self.base_url.startswith("https://"),
                httponly=True,
                samesite="Lax",
            )
        return resp

    def _base_context(self, visit: Visit | None, t: Translator, token: str | None) -> dict:
        ctx: dict[str, Any] = {"t": t, "lang": t.lang, "dir": t.dir, "languages": LANGUAGES}
        if visit is not None and token is not None:
            steps = visit.steps
            ctx.update(
                visit=visit,
                base=f"/v/{token}",
                csrf=csrf.csrf_token(self.master_key, visit.link.id),
                csrf_field=csrf.FIELD,
                tenant=visit.display_name,
                branding=visit.branding,
                has_logo=visit.branding.logo_type is not None,
                steps=steps,
                done=len([s for s in steps if s in visit.progress.done]),
                allowed_origins=visit.branding.allowed_origins,
            )
        return ctx

    def _error_page(self, t: Translator, kind: str, status: int) -> Page:
        return Page("error.html", {"kind": kind}, status=status)

    def _static(self, name: str) -> Response:
        return static_response(self.static_files, name)

    def _cipher(self, conn, visit: Visit):
        return tenant_cipher(conn, self.master_key, visit.link.tenant_id)

    def _session_token(self, visit: Visit) -> str:
        with self.db.tenant(visit.link.tenant_id) as conn:
            return session_token(conn, self._cipher(conn, visit), visit.link)

    def _update(self, visit: Visit, change, source: dict[str, str] | None = None) -> None:
        with self.db.tenant(visit.link.tenant_id) as conn:
            p = update_progress(conn, visit, change)
            # risk: when each step was done, its retakes, how it was captured
            steps_progressed(
                conn, visit.link.tenant_id, str(visit.session.id), p.done, p.attempts, source
            )

    def _advance(self, visit: Visit, token: str) -> Page:
        """After a step: the next one, or (all done) submit and follow the checks."""
        nxt = visit.next_step
        if nxt is not None:
            return Page(location=f"/v/{token}/step/{nxt}")
        if visit.accepts_input:
            answer = self.api.submit(self._session_token(visit), str(visit.session.id))
            if not answer.ok and answer.status != 409:
                return self._error_page(Translator("en"), "generic", 502)
        return Page(location=f"/v/{token}")

    # -- pages ----------------------------------------------------------------------------
    def _home(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if visit.final:
            return Page("done.html", {"redirect": visit.redirect_target()})
        if not visit.accepts_input:
            return Page("checking.html")
        if visit.link.kind == "link":
            with self.db.tenant(visit.link.tenant_id) as conn:
                mark_same_device(conn, str(visit.session.id))
        return self._advance(visit, token)  # the next step's own URL (or submit)

    def _step(
        self,
        request: Request,
        visit: Visit,
        t: Translator,
        token: str,
        step: str,
        error: str | None = None,
        status: int = 200,
    ) -> Page:
        if visit.final:
            return Page(location=f"/v/{token}")
        if not visit.accepts_input:
            return Page("checking.html")
        if step not in visit.steps:
            raise NotFound()
        if step != "consent" and visit.progress.consent_at is None:
            return Page(location=f"/v/{token}/step/consent")
        with self.db.tenant(visit.link.tenant_id) as conn:  # risk: time spent per step
            step_seen(conn, visit.link.tenant_id, str(visit.session.id), step)
        ctx: dict[str, Any] = {
            "step": step,
            "index": visit.steps.index(step) + 1,
            "error": error,
            "retakes_left": self._retakes_left(visit, step),
        }
        if step == "consent":
            ctx["collect"] = [s for s in visit.steps if s not in ("consent", "document")]
            return Page("consent.html", ctx, status)
        if step == "document":
            params = visit.document_params
            types = params.get("accepted_document_types") or list(DOCUMENT_TYPES)
            ctx["types"] = [d for d in DOCUMENT_TYPES if d in types]
            ctx["countries"] = _countries(t, params.get("accepted_countries"))
            ctx["chosen"] = visit.progress.document
            return Page("document.html", ctx, status)
        if step in ("email", "phone"):
            ctx["channel"] = step
            ctx["sent"] = request.args.get("sent") == "1"
            return Page("otp.html", ctx, status)
        if step == "liveness":
            return Page("liveness.html", ctx, status)
        ctx["face"] = step == "selfie"
        # the frame guide takes the shape of the chosen document: passport page or card
        ctx["doc_format"] = "td3" if visit.progress.document.get("type") == "passport" else "td1"
        ctx["camera"] = step != "address"
        ctx["upload"] = visit.branding.allow_file_upload or step == "address"
        return Page("capture.html", ctx, status)

    def _consent(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if not visit.accepts_input:
            return Page(location=f"/v/{token}")
        if request.form.get("agree") != "yes":
            return self._step(request, visit, t, token, "consent", "consent_required", 422)
        self._update(visit, give_consent)
        return self._advance(visit, token)

    def _document(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if not visit.accepts_input:
            return Page(location=f"/v/{token}")
        params = visit.document_params
        dtype = request.form.get("type", "")
        country = request.form.get("country", "")
        allowed_types = params.get("accepted_document_types") or list(DOCUMENT_TYPES)
        allowed_countries = {c for c, _ in _countries(t, params.get("accepted_countries"))}
        if dtype not in DOCUMENT_TYPES or dtype not in allowed_types:
            return self._step(request, visit, t, token, "document", "doc_type_required", 422)
        if country not in allowed_countries:
            return self._step(request, visit, t, token, "document", "doc_country_required", 422)

        def change(p) -> None:
            p.document = {"type": dtype, "country": country}
            mark_done("document")(p)

        self._update(visit, change)
        return self._advance(visit, token)

    def _capture(
        self, request: Request, visit: Visit, t: Translator, token: str, step: str
    ) -> Page:
        wants_json = "application/json" in request.headers.get("Accept", "")
        if step not in CAPTURE_KINDS or step not in visit.steps or not visit.accepts_input:
            raise NotFound()
        upload = request.files.get("file")
        source = request.form.get("source", "upload")
        if upload is None:
            return self._capture_answer(request, visit, t, token, step, UNREADABLE, wants_json)
        if source != "camera" and not (visit.branding.allow_file_upload or step == "address"):
            return self._capture_answer(
                request, visit, t, token, step, "UPLOAD_FORBIDDEN", wants_json
            )
        data = upload.read(self.settings.max_upload_bytes + 1)
        verdict = check_capture(step, data)
        attempts = visit.progress.attempts.get(step, 0) + 1
        if not verdict.ok and attempts < self.settings.hosted_max_retakes:
            self._update(visit, count_attempt(step))
            return self._capture_answer(request, visit, t, token, step, verdict.reason, wants_json)
        # Good, or out of retakes: the upload goes in and the check reports the quality.
        ctype = upload.mimetype or "application/octet-stream"
        answer = self.api.upload(
            self._session_token(visit),
            str(visit.session.id),
            CAPTURE_KINDS[step],
            [(f"{step}.bin", data, ctype)],
        )
        if not answer.ok:
            self._update(visit, count_attempt(step))
            return self._capture_answer(request, visit, t, token, step, UNREADABLE, wants_json)
        self._update(visit, mark_done(step), {step: "camera" if source == "camera" else "upload"})
        page = self._advance(visit, token)
        if wants_json:
            return _json({"ok": True, "next": page.location})
        return page

    def _retakes_left(self, visit: Visit, step: str) -> int:
        return max(0, self.settings.hosted_max_retakes - visit.progress.attempts.get(step, 0))

    def _capture_answer(
        self,
        request: Request,
        visit: Visit,
        t: Translator,
        token: str,
        step: str,
        reason: str | None,
        wants_json: bool,
    ) -> Page:
        left = self._retakes_left(visit, step)
        if wants_json:
            key = f"reason_{reason}"
            message = t(key) if t.has(key) else t("reason_UNREADABLE")
            return _json(
                {
                    "ok": False,
                    "reason": reason,
                    "message": message,
                    "retakes_left": left,
                    "retakes_message": t("retake_left", n=left),
                },
                status=422,
            )
        return self._step(request, visit, t, token, step, f"reason_{reason}", 422)

    def _challenge(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if "liveness" not in visit.steps or not visit.accepts_input:
            raise NotFound()
        pending = visit.progress.challenge
        now = datetime.now(UTC)
        if pending and datetime.fromisoformat(pending["expires_at"]) > now + timedelta(seconds=30):
            steps, expires = pending["steps"], pending["expires_at"]
        else:  # a new random sequence from the API (single-use nonce, short expiry)
            answer = self.api.liveness_challenge(self._session_token(visit), str(visit.session.id))
            if not answer.ok:
                return _json({"ok": False, "message": t("error_generic")}, status=409)
            steps, expires = answer.body.get("steps", []), answer.body.get("expires_at")
            self._update(visit, set_challenge({"steps": steps, "expires_at": expires}))
        return _json(
            {
                "ok": True,
                "steps": [{"move": s, "caption": t(f"liveness_{s}")} for s in steps],
                "expires_at": expires,
            }
        )

    def _frames(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if "liveness" not in visit.steps or not visit.accepts_input:
            raise NotFound()
        files = request.files.getlist("file")[:LIVENESS_MAX_FRAMES]
        if len(files) < 5:
            return _json({"ok": False, "message": t("reason_TOO_FEW_FRAMES")}, status=422)
        frames = [(f"f{i:03d}.jpg", f.read(), "image/jpeg") for i, f in enumerate(files)]
        answer = self.api.upload(
            self._session_token(visit), str(visit.session.id), "liveness_frames", frames
        )
        if not answer.ok:
            return _json({"ok": False, "message": t("error_generic")}, status=422)
        self._update(visit, mark_done("liveness", clear_challenge=True))
        return _json({"ok": True, "next": self._advance(visit, token).location})

    def _otp_closed(self, visit: Visit, token: str, channel: str) -> Page | None:
        """Codes only for the workflow's channels, only while the session takes input."""
        if channel not in ("email", "phone") or channel not in visit.steps:
            raise NotFound()
        return None if visit.accepts_input else Page(location=f"/v/{token}")

    def _otp_send(
        self, request: Request, visit: Visit, t: Translator, token: str, channel: str
    ) -> Page:
        if closed := self._otp_closed(visit, token, channel):
            return closed
        target = (request.form.get("target") or "").strip()
        if not target:
            return self._step(request, visit, t, token, channel, f"{channel}_required", 422)
        answer = self.api.send_code(
            self._session_token(visit), str(visit.session.id), channel, target
        )
        if not answer.ok:
            return self._step(request, visit, t, token, channel, _otp_error(answer.code), 422)
        return Page(location=f"/v/{token}/step/{channel}?sent=1")

    def _otp_check(
        self, request: Request, visit: Visit, t: Translator, token: str, channel: str
    ) -> Page:
        if closed := self._otp_closed(visit, token, channel):
            return closed
        code = re.sub(r"\s", "", request.form.get("code") or "")
        if not re.fullmatch(r"\d{6}", code):
            return self._step(request, visit, t, token, channel, "code_format", 422)
        answer = self.api.check_code(
            self._session_token(visit), str(visit.session.id), channel, code
        )
        if not answer.ok:
            return self._step(request, visit, t, token, channel, _otp_error(answer.code), 422)
        self._update(visit, mark_done(channel))
        return self._advance(visit, token)

    def _handoff(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        if not visit.accepts_input:
            return Page(location=f"/v/{token}")
        ttl = self.settings.hosted_handoff_seconds
        with self.db.tenant(visit.link.tenant_id) as conn:
            cipher = self._cipher(conn, visit)
            qr_token = issue_handoff(conn, cipher, visit.link, "qr", ttl)
            copy_token = issue_handoff(conn, cipher, visit.link, "link", ttl)
        qr_url = f"{self.base_url}/h/{qr_token}"
        return Page(
            "handoff.html",
            {
                "qr": qr_svg(qr_url, t("qr_alt")),
                "copy_url": f"{self.base_url}/h/{copy_token}",
                "minutes": ttl // 60,
            },
        )

    def _device(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        """The page's device report (static/device.js) for the risk check's signals."""
        if (request.content_length or 0) > 4096:
            return _json({"ok": False, "reason": "too_large"}, status=413)
        try:
            report = DeviceReport.model_validate(request.get_json(force=True, silent=False))
        except (BadRequest, ValidationError):  # not JSON or not a report: 422, never a 500
            return _json({"ok": False, "reason": "invalid_report"}, status=422)
        with self.db.tenant(visit.link.tenant_id) as conn:
            record_device(
                conn,
                self._cipher(conn, visit),
                str(visit.session.id),
                report,
                request.headers.get("User-Agent", ""),
                via_handoff=visit.link.kind == "device",
            )
        return _json({"ok": True})

    def _handoff_open(self, token: str) -> Page:
        link = resolve(self.db, token)
        if link.kind != "handoff":
            raise LinkError("unknown")
        with self.db.tenant(link.tenant_id) as conn:
            cipher = tenant_cipher(conn, self.master_key, link.tenant_id)
            device_token = exchange_handoff(conn, cipher, link)
        return Page(location=f"/v/{device_token}")

    def _status(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        done = len([s for s in visit.steps if s in visit.progress.done])
        return _json(
            {
                "status": visit.session.status,
                "final": visit.final,
                "done": done,
                "total": len(visit.steps),
                "message": t("handoff_progress", n=done, total=len(visit.steps)),
            }
        )

    def _events(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        """The session's status as Server-Sent Events (the checking page; the pages poll
        `/status` when the browser has no EventSource or this answers an error)."""
        release = self.streams.take()
        if release is None:
            return Page(body=json.dumps({"busy": True}), status=503, mimetype="application/json")
        tenant_id, session_id = visit.link.tenant_id, str(visit.session.id)
        steps = list(visit.steps)

        def read() -> Snapshot | None:
            with self.db.tenant(tenant_id) as conn:
                state = read_state(conn, session_id)
            if state is None or state[0] in CLOSED_STATES:
                return None
            status, done_steps = state
            done = len([s for s in steps if s in done_steps])
            message = t("handoff_progress", n=done, total=len(steps))
            return Snapshot(status, status in FINAL_STATES, done, len(steps), message)

        def stream() -> Iterator[bytes]:
            try:
                yield from status_stream(read, request.headers.get("Last-Event-ID"))
            except Exception:  # the database went away: end; the browser reconnects
                log.exception("status stream ended on an error")
            finally:
                release()

        return Page(stream=stream(), on_close=release, mimetype="text/event-stream")

    def _theme(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        b = visit.branding
        css = (
            ":root{"
            f"--brand:{b.primary_color};--on-brand:{b.on_primary};"
            f"--bg:{b.background_color};--fg:{b.text_color}"
            "}\n"
        )
        return Page(body=css, mimetype="text/css")

    def _logo(self, request: Request, visit: Visit, t: Translator, token: str) -> Page:
        with self.db.tenant(visit.link.tenant_id) as conn:
            logo = load_logo(conn, visit.link.tenant_id)
        if logo is None:
            raise NotFound()
        return Page(body=logo[0], mimetype=logo[1])


class _Forbidden(Exception):
    """A post without the page's CSRF token or from another origin."""


def _json(payload: dict, status: int = 200) -> Page:
    return Page(body=json.dumps(payload), status=status, mimetype="application/json")


def _otp_error(code: str) -> str:
    known = {
        "validation-error": "otp_invalid_target",
        "phone-invalid": "otp_invalid_target",
        "otp-invalid": "otp_wrong_code",
        "otp-too-many-attempts": "otp_locked",
        "otp-send-limit": "otp_locked",
        "otp-resend-too-soon": "otp_too_soon",
        "otp-expired": "otp_expired",
        "otp-not-sent": "otp_expired",
    }
    return known.get(code, "otp_failed")


def _countries(t: Translator, accepted: list[str] | None) -> list[tuple[str, str]]:
    """(ICAO/ISO alpha-3, name in the user's language), sorted by name."""
    from iso3166 import countries

    out = []
    for c in countries:
        if accepted and c.alpha3 not in accepted:
            continue
        out.append((c.alpha3, t.country_name(c.alpha2)))
    return sorted(out, key=lambda x: x[1])
