"""Console test helpers: tenants with a review workflow, sessions in review, people invited
and signed in through the console's own pages (in Chromium, or over plain HTTP)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp

from tests.conftest import PgStack, latest_message, run_session, subscribe_webhook, tenant_on

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"
PASSWORD = "correct horse battery staple"
# every outcome goes to a person: the session lands in review whatever the checks say
REVIEW_WORKFLOW = {
    "name": "documents + face, reviewed",
    "steps": [
        {"check": "id_document", "params": {"check_viz": False}},
        {"check": "face_match", "after": ["id_document"]},
    ],
    "defaults": {"passed": "review", "warning": "review", "failed": "review", "error": "review"},
}


@dataclass
class Tenant:
    key: dict[str, str]
    workflow_id: str


@dataclass
class Person:
    email: str
    role: str
    name: str
    secret: str = ""
    last_step: int = 0
    cookies: dict[str, str] = field(default_factory=dict)

    def code(self) -> str:
        """A TOTP code of a time step not used yet by this person (waits when needed)."""
        totp = pyotp.TOTP(self.secret)
        while True:
            step = int(time.time()) // 30
            if step > self.last_step:
                self.last_step = step
                return totp.at(step * 30)
            if step + 1 > self.last_step:  # the next step is accepted (clock drift)
                self.last_step = step + 1
                return totp.at((step + 1) * 30)
            time.sleep(1)


def review_tenant(api: httpx.Client, pg: PgStack, org: str, receiver=None) -> Tenant:
    key = tenant_on(api, pg, org)
    if receiver is not None:
        subscribe_webhook(api, key, receiver, ("session.decided", "session.updated"))
    wf = api.post("/v1/workflows", headers=key, json=REVIEW_WORKFLOW)
    assert wf.status_code == 201, wf.text
    return Tenant(key, wf.json()["id"])


def session_in_review(api: httpx.Client, t: Tenant, front: bytes, vendor: str) -> dict:
    uploads = [
        ("document_front", "front.jpg", front, "image/jpeg"),
        ("selfie", "selfie.jpg", (FACES / "astronaut.jpg").read_bytes(), "image/jpeg"),
    ]
    got = run_session(api, t.key, t.workflow_id, uploads, body={"vendor_data": vendor}, timeout=180)
    assert got["status"] == "in_review", got
    return got


def decided_hook(receiver, sid: str, status: str, timeout: float = 60) -> dict | None:
    """The `session.decided` webhook `receiver` got for session `sid` with `status` (waits up
    to `timeout` s), or None."""
    return receiver.wait_for(
        lambda m: (
            m["body"].get("type") == "session.decided"
            and m["body"]["data"].get("session_id") == sid
            and m["body"]["data"].get("status") == status
        ),
        timeout,
    )


def invite_link(pg: PgStack, email: str) -> str:
    """The set-up link of the latest invitation e-mail (the local outbox)."""
    return re.search(r"(http\S+/invite/\S+)", latest_message(pg, email)).group(1)


def invite_by_api(api: httpx.Client, t: Tenant, email: str, role: str) -> None:
    r = api.post("/v1/console/invites", headers=t.key, json={"email": email, "role": role})
    assert r.status_code == 201, r.text


# -- in the browser -----------------------------------------------------------------------
def activate_in_browser(page, pg: PgStack, p: Person, shot=None) -> None:
    page.goto(invite_link(pg, p.email))
    p.secret = page.inner_text("#totp-secret").strip()
    if shot:
        shot(page, f"invite-{p.role}")
    page.fill("#name", p.name)
    page.fill("#password", PASSWORD)
    page.fill("#code", p.code())
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-in\?welcome=1$"))


def sign_in_browser(page, console_url: str, p: Person, shot=None) -> None:
    page.context.clear_cookies()
    page.goto(f"{console_url}/sign-in")
    if shot:
        shot(page, f"sign-in-{p.role}")
    page.fill("#email", p.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-in/code$"))
    if shot:
        shot(page, f"sign-in-code-{p.role}")
    page.fill("#code", p.code())
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/(queue|analytics)"))


# -- over plain HTTP (a browser's requests, without the rendering) -------------------------
class ConsoleClient:
    """A person's signed-in console over HTTP: cookies, Origin and the pages' CSRF field."""

    def __init__(self, console_url: str, shared: bool = False) -> None:
        self.base = console_url
        self.shared = shared  # kept signed in for a test module: close() leaves it open
        # No kept-alive connections: gunicorn closes an idle one after 2 s, and a request
        # sent on it as it closes (after a wait for a fresh TOTP step) fails with "server
        # disconnected" where a browser would silently retry on a new connection.
        self.http = httpx.Client(
            base_url=console_url,
            timeout=60,
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        if not self.shared:
            self.http.close()

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def csrf(self, path: str = "/queue") -> str:
        html = self.http.get(path).text
        m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
        return m.group(1) if m else ""

    def post(self, path: str, data: dict, csrf_from: str = "/queue") -> httpx.Response:
        """A form post (a list value repeats the field) with the page's CSRF field."""
        form = {**data, "csrf_token": self.csrf(csrf_from)}
        return self.http.post(path, data=form, headers={"Origin": self.base})

    def activate(self, pg: PgStack, p: Person) -> None:
        link = invite_link(pg, p.email)
        html = self.http.get(link).text
        p.secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
        r = self.http.post(
            link,
            data={"name": p.name, "password": PASSWORD, "code": p.code()},
            headers={"Origin": self.base},
        )
        assert r.status_code == 303, r.text

    def sign_in(self, p: Person) -> None:
        self.http.cookies.clear()
        r = self.http.post(
            "/sign-in",
            data={"email": p.email, "password": PASSWORD},
            headers={"Origin": self.base},
        )
        assert r.status_code == 303, r.text
        r = self.post("/sign-in/code", {"code": p.code()}, csrf_from="/sign-in/code")
        assert r.status_code == 303 and r.headers["location"] == "/queue", r.text


def seed_results(pg, session_id: str) -> str:
    """Give the session in review the results of the other engines (real NFC engine on a
    generated chip; PoA, liveness and AML results shaped as their engines store them) and
    the chip's DG2 as an artifact. The tenant's id."""
    from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity
    from shared.crypto.envelope import load_master_key
    from shared.db.tenant_tx import Database
    from shared.nfc.check import NfcParams, run_nfc
    from shared.sessions.artifacts import store_artifact
    from shared.sessions.results import save_result
    from shared.tenancy.tenants import tenant_cipher
    from tests.nfc import generator as g

    with pg.admin() as conn:
        tid = str(
            conn.execute("SELECT tenant_id FROM sessions WHERE id = %s", (session_id,)).fetchone()[
                "tenant_id"
            ]
        )
    chip = g.make_chip(g.cached_pki("rsa"))
    resp = chip.aa_response()
    nfc = run_nfc(chip.files, NfcParams(), g.TestContext([resp.nonce]), chip.store(), resp)
    poa = CheckResult(
        check="proof_of_address",
        status=CheckStatus.failed,
        score=0.2,
        warnings=[
            CheckWarning(code="POA_TAMPER_SUSPECTED", severity=Severity.error, message="edited")
        ],
        data={
            "document": {
                "type": {"value": "utility_bill", "confidence": 0.9},
                "issuer": {"value": "Stadtwerke Example", "known": True, "country": "DE"},
                "issue_date": {"value": "2026-10-01", "confidence": 0.9},
                "holder_name": {"value": "ERIKA MUSTERMANN", "confidence": 0.9},
                "address": {
                    "house_number": "12",
                    "street": "Heidestrasse",
                    "postcode": "51147",
                    "city": "Koeln",
                    "country": "DE",
                    "confidence": 0.8,
                },
                "country": "DE",
            },
            "rules": [{"rule": "recent", "outcome": "passed"}],
            "tamper": {
                "score": 0.71,
                "threshold": 0.5,
                "suspected": True,
                "signals": [
                    {
                        "code": "PDF_INCREMENTAL_UPDATE",
                        "weight": 0.6,
                        "message": "the PDF was changed after it was made",
                        "evidence": {"revisions": 2},
                    }
                ],
            },
        },
    )
    liveness = CheckResult(
        check="passive_liveness",
        status=CheckStatus.warning,
        score=41.0,
        data={
            "score": 41.0,
            "attack_type": "screen_replay",
            # as shared/faces/check.py stores it: contributions by cue name, measurements by
            # their own names, and which measurement each cue weighs
            "cues": {"glare": 1.2, "fine_detail": -0.4},
            "cue_measurements": {"glare": 0.31, "detail": 0.8125},
            "cue_sources": {"glare": "glare", "fine_detail": "detail"},
            "threshold": 50,
        },
    )
    aml = CheckResult(
        check="aml",
        status=CheckStatus.warning,
        score=0.91,
        warnings=[CheckWarning(code="AML_POSSIBLE_MATCH", severity=Severity.warning)],
        data={
            "matches": [
                {
                    "entity_id": "ofac-4242",
                    "list": "ofac_sdn",
                    "list_version": "v1",
                    "name": "ERIKA MUSTERFRAU",
                    "matched_name": "ERIKA MUSTERFRAU",
                    "score": 0.91,
                    "programmes": ["SDGT"],
                    "explanation": {"name": {"similarity": 0.91}, "dob": {"effect": "absent"}},
                }
            ]
        },
    )
    db = Database(pg.urls.app)
    try:
        with db.tenant(tid) as conn:
            cipher = tenant_cipher(conn, load_master_key(pg.settings), tid)
            for step, result in (
                ("nfc", nfc),
                ("poa", poa),
                ("selfie_live", liveness),
                ("aml", aml),
            ):
                save_result(conn, cipher, session_id, step, result)
            store_artifact(
                conn, cipher, session_id, "nfc_dg2", "application/octet-stream", chip.files["DG2"]
            )
    finally:
        db.close()
    return tid
