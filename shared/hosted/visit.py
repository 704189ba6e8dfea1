"""One request of the hosted flow: which session the link opens, in what state, for which
tenant and branding, where the user is, and what the user may do next."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from shared.hosted.branding import Branding, load_branding
from shared.hosted.links import Link
from shared.hosted.progress import Progress, count_request, load_progress, save_progress
from shared.hosted.steps import Step, document_params, next_step, plan
from shared.sessions import lifecycle
from shared.sessions.store import SessionRow, get_session
from shared.workflows.store import get_workflow

# The session states in which the pages take input; later ones only show progress/result.
INPUT_STATES = ("not_started",)
FINAL_STATES = ("approved", "declined", "in_review")
CLOSED_STATES = ("expired", "abandoned", "deleted")


class SessionClosed(Exception):
    """The session no longer takes input (expired, abandoned, erased)."""


@dataclass
class Visit:
    link: Link
    session: SessionRow
    tenant_name: str
    branding: Branding
    progress: Progress
    definition: dict
    redirect_url: str | None
    language: str | None
    handoff_method: str | None
    steps: list[Step] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.branding.display_name or self.tenant_name

    @property
    def accepts_input(self) -> bool:
        return self.session.status in INPUT_STATES

    @property
    def final(self) -> bool:
        return self.session.status in FINAL_STATES

    @property
    def next_step(self) -> Step | None:
        return next_step(self.steps, set(self.progress.done))

    @property
    def document_params(self) -> dict:
        return document_params(self.definition)

    def redirect_target(self) -> str | None:
        """Where the user returns: the tenant's URL with the session id and status only."""
        if not self.redirect_url:
            return None
        from urllib.parse import urlencode, urlsplit, urlunsplit

        parts = urlsplit(self.redirect_url)
        extra = urlencode({"session_id": str(self.session.id), "status": self.session.status})
        query = f"{parts.query}&{extra}" if parts.query else extra
        return urlunsplit(parts._replace(query=query))


def load_visit(conn: psycopg.Connection, link: Link, rate_limit: int | None = None) -> Visit:
    """Everything a page needs, in the tenant's transaction; counts the request."""
    if rate_limit is not None:
        count_request(conn, link.tenant_id, link.session_id, rate_limit)
    s = get_session(conn, uuid.UUID(link.session_id))
    if s is None or s.deleted_at is not None:
        raise SessionClosed("deleted")
    s = lifecycle.expire_if_due(conn, link.tenant_id, "hosted", s)
    extra = conn.execute(
        "SELECT s.redirect_url, s.language, s.handoff_method, t.name AS tenant_name "
        "FROM sessions s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = %s",
        (str(s.id),),
    ).fetchone()
    wf = get_workflow(conn, s.workflow_id, s.workflow_version)
    definition = wf.definition.model_dump(mode="json") if wf else {"steps": []}
    progress = load_progress(conn, str(s.id))
    v = Visit(
        link=link,
        session=s,
        tenant_name=extra["tenant_name"],
        branding=load_branding(conn, link.tenant_id),
        progress=progress,
        definition=definition,
        redirect_url=extra["redirect_url"],
        language=extra["language"],
        handoff_method=extra["handoff_method"],
    )
    v.steps = plan(definition, progress.document.get("type"))
    if s.status in CLOSED_STATES:
        raise SessionClosed(s.status)
    return v


def read_state(conn: psycopg.Connection, session_id: str) -> tuple[str, list[str]] | None:
    """The session's status and completed steps, as stored now (None: erased)."""
    row = conn.execute(
        "SELECT s.status, s.deleted_at, p.done FROM sessions s "
        "LEFT JOIN hosted_progress p ON p.session_id = s.id WHERE s.id = %s",
        (session_id,),
    ).fetchone()
    if row is None or row["deleted_at"] is not None:
        return None
    return row["status"], list(row["done"] or [])


def update_progress(
    conn: psycopg.Connection, visit: Visit, change: Callable[[Progress], None]
) -> Progress:
    """Apply `change` to the stored progress under a row lock (concurrent tabs/devices)."""
    conn.execute("SELECT 1 FROM sessions WHERE id = %s FOR UPDATE", (str(visit.session.id),))
    p = load_progress(conn, str(visit.session.id))
    change(p)
    save_progress(conn, visit.link.tenant_id, str(visit.session.id), p)
    visit.progress = p
    visit.steps = plan(visit.definition, p.document.get("type"))
    return p


def give_consent(p: Progress) -> None:
    p.consent_at = p.consent_at or datetime.now(UTC)
    if "consent" not in p.done:
        p.done.append("consent")


def mark_done(step: str, clear_challenge: bool = False) -> Callable[[Progress], None]:
    def change(p: Progress) -> None:
        if step not in p.done:
            p.done.append(step)
        if clear_challenge:
            p.challenge = None

    return change


def set_challenge(challenge: dict) -> Callable[[Progress], None]:
    def change(p: Progress) -> None:
        p.challenge = challenge

    return change


def count_attempt(step: str) -> Callable[[Progress], None]:
    def change(p: Progress) -> None:
        p.attempts[step] = p.attempts.get(step, 0) + 1

    return change
