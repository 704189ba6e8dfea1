"""No personal datum or secret leaves the stack through its telemetry or its events.

One session through the real local stack runs every check (email, phone, id document, face
match against the selfie, passive liveness, AML, proof of address, NFC) with a unique marker
in every personal field: names, date of birth, document number, address, e-mail, phone. Then
no marker, one-time code, API key, session token, webhook secret or byte of an uploaded file
may appear in any log line of any process, any span kept locally, any metric label of any
function's `/metrics`, any outbox row, webhook payload or event stored by the local broker.
The second test plants markers where a careless line would put them and shows the scanner
finds each one: the first test could fail."""

from __future__ import annotations

import io
import json
import logging
import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from asn1crypto import pem

from shared.crypto.envelope import load_master_key
from shared.local.demo import code_for
from shared.local.webhook_receiver import WebhookReceiver
from shared.observability.logs import configure_logging
from tests.conftest import STACK_METRICS_TOKEN, idmesh_cli, subscribe_webhook, wait_decided
from tests.documents.generator import make_sample
from tests.nfc.generator import ChipSpec, make_chip, make_pki
from tests.platform.leak_scan import (
    Marker,
    event_sources,
    file_sources,
    metric_sources,
    scan,
)
from tests.poa.generator import make_truth, render_pdf

FACES = Path(__file__).resolve().parents[1] / "faces" / "data"
NFC_KIND = {"COM": "nfc_com", "SOD": "nfc_sod"}
# Letters that are not hex digits: a marker can never be part of an id or a hash.
LETTERS = "GHJKLMNPQRSTUVWXYZ"

WORKFLOW = {
    "name": "every check",
    "steps": [
        {"check": "email"},
        {"check": "phone"},
        {"check": "id_document", "params": {"check_viz": False}},
        {"check": "face_match", "after": ["id_document"]},
        {"check": "passive_liveness"},
        {"check": "aml"},
        {"check": "proof_of_address"},
        {"check": "nfc", "after": ["id_document"]},
    ],
}


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


class Person:
    """An end user whose every personal field carries a marker of this run."""

    def __init__(self, rng: random.Random) -> None:
        tag = "".join(rng.choice(LETTERS) for _ in range(6))
        self.tag = tag
        self.surname = f"SUR{tag}"
        self.given = f"GIV{tag}"
        self.number = f"X{tag}K7"[:9].ljust(9, "Q")
        self.dob = date(1941 + rng.randrange(15), 1 + rng.randrange(12), 1 + rng.randrange(28))
        self.street = f"{rng.randint(10, 99)} {tag}STREET ROAD"
        self.email = f"mail{tag.lower()}@marker.example"
        self.phone = f"+1415555{rng.randint(1000, 9999)}"

    def markers(self) -> list[Marker]:
        d = self.dob
        national = self.phone.removeprefix("+1")
        return [
            Marker.text("surname", self.surname),
            Marker.text("given name", self.given),
            Marker.text("document number", self.number),
            Marker.text("address", f"{self.tag}STREET"),
            Marker.text("email", f"mail{self.tag}"),
            Marker.digits(
                "date of birth",
                d.isoformat(),
                d.strftime("%Y%m%d"),
                d.strftime("%y%m%d"),
                d.strftime("%d.%m.%Y"),
                d.strftime("%d/%m/%Y"),
                d.strftime("%m/%d/%Y"),
            ),
            Marker.digits("phone", national, national[3:], f"{national[3:6]}-{national[6:]}"),
        ]


def _upload(api, sid, user, kind, name, data, media="application/octet-stream"):
    r = api.post(
        f"/v1/sessions/{sid}/artifacts",
        headers=user,
        data={"kind": kind},
        files={"file": (name, data, media)},
    )
    assert r.status_code == 201, (kind, r.text)


def _trust(pg, pki, tmp_path: Path) -> None:
    csca = tmp_path / "csca.pem"
    csca.write_bytes(pem.armor("CERTIFICATE", pki.csca.dump()))
    imp = idmesh_cli("nfc", "trust", "import", str(csca), data_dir=pg.data_dir)
    assert imp.returncode == 0, imp.stderr


def _sanctions_list(pg, person: Person, tmp_path: Path) -> None:
    """A sanctions list naming the marked person, so the AML step matches and explains."""
    entry = {
        "id": f"leak-{person.tag}",
        "schema": "Person",
        "properties": {
            "name": [f"{person.given} {person.surname}"],
            "birthDate": [person.dob.isoformat()],
        },
    }
    path = tmp_path / "list.json"
    path.write_text(json.dumps(entry) + "\n")
    cmd = ["aml", "load", str(path), "--format", "ftm-json", "--list", "leak-markers"]
    out = idmesh_cli(*cmd, data_dir=pg.data_dir)
    assert out.returncode == 0, out.stderr


def _wait_drained(pg, span_dir, timeout: float = 30.0) -> None:
    """Until every outbox row and webhook delivery is done and the span batches flushed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with pg.admin() as conn:
            n = conn.execute(
                "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS n"
            ).fetchone()["n"]
        if n == 0:
            break
        time.sleep(0.2)
    # span processors export every 200 ms: wait until the span files stop growing
    sizes, stable = None, 0
    while time.time() < deadline and stable < 3:
        now = sum(p.stat().st_size for p in span_dir.glob("*.jsonl"))
        stable = stable + 1 if now == sizes else 0
        sizes = now
        time.sleep(0.25)


def test_a_session_with_every_check_leaks_nothing(api, pg, stack, tmp_path):
    rng = random.Random(uuid.uuid4().int)
    person = Person(rng)
    master_key = load_master_key(pg.settings)

    # The document, the bill and the chip all describe the marked person.
    passport = make_sample(
        "td3",
        "perspective",
        rng.randrange(10_000),
        changes={
            "surname": person.surname,
            "given_names": person.given,
            "document_number": person.number,
            "date_of_birth": person.dob,
            # the chip's MRZ and the printed one agree, as on a real passport
            "issuing_country": "D",
            "nationality": "D",
            "sex": "F",
            "personal_number": "",
            "expiry_date": ChipSpec().expiry,
        },
    )
    bill_rng = random.Random(rng.random())
    truth = make_truth(bill_rng, country="UK", doc_type="utility", today=date.today())
    truth.issue_date = date.today() - timedelta(days=12)
    truth.name = f"{person.given} {person.surname}"
    truth.address_lines = [person.street, *truth.address_lines[1:]]
    bill = render_pdf(truth, bill_rng, "ReportLab PDF Library - www.reportlab.com")
    pki = make_pki("DE", "rsa")
    chip = make_chip(
        pki,
        ChipSpec(surname=person.surname, given=person.given, number=person.number, dob=person.dob),
    )
    _trust(pg, pki, tmp_path)
    _sanctions_list(pg, person, tmp_path)
    selfie = (FACES / "astronaut.jpg").read_bytes()

    # The tenant: registration code, API key, webhook secret.
    owner = f"owner{person.tag.lower()}@tenant-marker.example"
    api.post("/v1/register", json={"email": owner, "organization": "Leak Co"}).raise_for_status()
    reg_code = code_for(pg.urls.admin_db, owner)
    reg = api.post("/v1/register/verify", json={"email": owner, "code": reg_code}).json()
    key = {"Authorization": f"Bearer {reg['api_key']}"}
    receiver = WebhookReceiver().start()
    try:
        # Both kinds: a session sent to review is updated, not decided.
        subscribe_webhook(api, key, receiver, ("session.decided", "session.updated"))
        wf = api.post("/v1/workflows", headers=key, json=WORKFLOW)
        assert wf.status_code == 201, wf.text
        s = api.post(
            "/v1/sessions",
            headers=key,
            json={
                "workflow_id": wf.json()["id"],
                "expected": {
                    "first_name": person.given,
                    "last_name": person.surname,
                    "date_of_birth": person.dob.isoformat(),
                    "address": ", ".join(truth.address_lines),
                    "email": person.email,
                    "phone": person.phone,
                },
            },
        ).json()
        sid, token = s["session_id"], s["session_token"]
        user = {"Authorization": f"Bearer {token}"}

        # The end user: document, selfie, bill, chip (with the session's AA challenge).
        _upload(api, sid, user, "document_front", "front.jpg", passport.front, "image/jpeg")
        _upload(api, sid, user, "selfie", "selfie.jpg", selfie, "image/jpeg")
        _upload(api, sid, user, "address_document", "bill.pdf", bill, "application/pdf")
        ch = api.post(f"/v1/sessions/{sid}/nfc/challenge", headers=user)
        assert ch.status_code == 201, ch.text
        for name, data in chip.files.items():
            _upload(api, sid, user, NFC_KIND.get(name, f"nfc_{name.lower()}"), name, data)
        signature = chip.aa_response(bytes.fromhex(ch.json()["nonce"])).signature
        _upload(api, sid, user, "nfc_aa_signature", "aa.bin", signature)
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()

        # Both one-time codes, read from the message outbox as the end user would.
        for channel, target in (("email", person.email), ("phone", person.phone)):
            r = api.post(f"/v1/sessions/{sid}/{channel}", headers=user, json={channel: target})
            assert r.status_code < 300, r.text
        codes = {
            "email": code_for(pg.urls.admin_db, person.email, master_key=master_key),
            "phone": code_for(pg.urls.admin_db, person.phone, master_key=master_key),
        }
        for channel, code in codes.items():
            r = api.post(f"/v1/sessions/{sid}/{channel}/check", headers=user, json={"code": code})
            assert r.status_code < 300, r.text
        done = wait_decided(api, key, sid, 240)
        status = done["status"]
        hooked = receiver.wait_for(
            lambda m: (
                m["body"].get("data", {}).get("session_id") == sid
                and m["body"]["data"].get("status") == status
            ),
            60,
        )
        assert hooked and hooked["verified"], (status, [m["body"] for m in receiver.received[-3:]])
    finally:
        receiver.stop()
    ran = {c["check"]: c["status"] for c in done["checks"]}
    assert set(ran) == {step["check"] for step in WORKFLOW["steps"]}, ran
    assert not {"pending", "error"} & set(ran.values()), done["checks"]
    aml = next(c for c in done["checks"] if c["check"] == "aml")
    assert "AML_POSSIBLE_MATCH" in [w["code"] for w in aml["warnings"]]  # the names matched
    # The markers went through the checks (so a leak had every chance to happen).
    assert done["extracted"]["document_number"]["value"] == person.number, done["extracted"]
    _wait_drained(pg, stack.root / "spans")

    secrets = [
        Marker.text("API key", reg["api_key"]),
        Marker.text("session token", token),
        Marker.text("webhook secret", receiver.secret),
        Marker.text("webhook secret (key part)", receiver.secret.removeprefix("whsec_")),
        Marker.digits("registration code", reg_code),
        Marker.digits("email code", codes["email"]),
        Marker.digits("phone code", codes["phone"]),
        Marker.text("tenant e-mail", f"owner{person.tag}"),
    ]
    files = {
        "document image": passport.front,
        "selfie": selfie,
        "bill": bill,
        "chip photo (DG2)": chip.files["DG2"],
        "chip data (DG1)": chip.files["DG1"],
    }
    markers = [
        *person.markers(),
        *secrets,
        *(Marker.blob(name, data) for name, data in files.items()),
    ]
    urls = {
        name: proc.spec.url + ("/internal/metrics" if name == "api" else "/metrics")
        for name, proc in stack.processes.items()
        if name not in ("hosted", "console")  # public pages: no metrics served
    }
    urls["broker"] = stack.broker_url + "/metrics"
    sources = [
        *file_sources(stack.root),
        *metric_sources(urls, {"api": {"Authorization": f"Bearer {STACK_METRICS_TOKEN}"}}),
        *event_sources(pg.urls.admin_db, stack.root / "broker"),
    ]
    # Every kind of place was really read, with this session in it.
    names = {src for src, _ in sources}
    assert {"db/outbox", "db/webhook_deliveries", "broker/events"} <= names
    assert any(n.startswith("logs/") for n in names) and any(n.startswith("spans/") for n in names)
    assert sum(n.startswith("metrics/") for n in names) >= 10, names
    # ...with this session in it: its id or trace id in the logs, spans, outbox rows, webhook
    # payloads and the broker's events; its checks' series in each check's metrics.
    control = [Marker.text("session", sid), Marker.text("trace", f"{uuid.UUID(sid).int:032x}")]
    found = {_kind(x.source) for x in scan(sources, control)}
    assert {"logs", "spans", "db/outbox", "db/webhook_deliveries", "broker/events"} <= found
    scraped = dict(sources)
    for check in ran:
        assert f'check="{check}"' in scraped[f"metrics/{check}"], check
    leaks = scan(sources, markers)
    assert not leaks, "\n".join(f"{x.marker} in {x.source}: {x.line}" for x in leaks[:20])


def _kind(source: str) -> str:
    return source.split("/")[0] if source.startswith(("logs/", "spans/")) else source


def test_the_scanner_finds_a_planted_marker(tmp_path):
    """A log line written by the real formatter, a span record and a metric label, each
    carrying one marker: the scanner reports every one, and nothing in clean copies."""
    name, code, photo = "GIVQZXWVTT", "804517", bytes(range(256)) * 4
    markers = [
        Marker.text("given name", name),
        Marker.digits("email code", code),
        Marker.blob("selfie", photo),
    ]
    (tmp_path / "logs").mkdir()
    (tmp_path / "spans").mkdir()
    stream = io.StringIO()
    configure_logging("email", "INFO", "json")
    logging.getLogger().handlers[0].setStream(stream)
    try:
        log = logging.getLogger("idmesh.planted")
        log.info("session started")
        clean = stream.getvalue()
        log.info("greeting %s", name)  # a careless line: names are not scrubbed
        log.info("bytes %r", photo[390:440])
    finally:
        configure_logging("pytest", "WARNING", "text")
    (tmp_path / "logs" / "email.log").write_text(stream.getvalue())
    span = {"name": "check email", "attributes": {"otp": code, "duration_ms": 0.804517}}
    (tmp_path / "spans" / "email-1.jsonl").write_text(json.dumps(span) + "\n")
    metric = f'idmesh_check_results_total{{check="email",status="{name}"}} 1.0\n'

    found = scan([*file_sources(tmp_path), ("metrics/email", metric)], markers)
    where = {(x.marker, x.source) for x in found}
    assert where == {
        ("given name", "logs/email.log"),
        ("selfie", "logs/email.log"),
        ("email code", "spans/email-1.jsonl"),
        ("given name", "metrics/email"),
    }, found
    # The same kinds of lines without a marker (ids, durations, codes' neighbours): silent.
    quiet = [
        ("logs/email.log", clean),
        ("spans/x", json.dumps({"start_ns": 1733380451780451750, "ms": 0.804517})),
        ("metrics/email", 'idmesh_check_results_total{check="email",status="passed"} 1.0'),
    ]
    assert scan(quiet, markers) == []
