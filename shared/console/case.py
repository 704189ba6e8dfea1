"""A case: everything the checks saw about one session and why it was decided, read in the
viewer's tenant transaction. Evidence images are decrypted one at a time, only when the
viewer's browser asks for that artifact (`evidence`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from shared.audit import AuditEntry, session_audit_trail
from shared.console import panels
from shared.crypto.envelope import TenantCipher
from shared.errors import UnknownSubject
from shared.sessions import vendor_data
from shared.sessions.artifacts import list_artifacts, open_artifacts
from shared.sessions.results import load_results
from shared.sessions.store import SessionRow, get_session

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # audit | event | webhook
    what: str
    who: str | None = None
    detail: str = ""


@dataclass
class Case:
    session: SessionRow
    checks: list[dict[str, Any]]
    images: list[dict[str, Any]]
    other_artifacts: list[dict[str, Any]]
    fields: dict[str, Any]
    mrz: dict[str, Any] | None
    face: dict[str, Any] | None
    aml: list[dict[str, Any]]
    assignment: dict[str, Any] | None
    proposal: dict[str, Any] | None
    audit: list[AuditEntry]
    timeline: list[TimelineEntry] = field(default_factory=list)
    related: list[dict[str, Any]] = field(default_factory=list)
    vendor_data: str | None = None  # opened per request (sealed with the session's key)
    # the document's fields side by side (MRZ, visual zone, barcode, chip) with check digits
    comparison: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    poa: dict[str, Any] | None = None
    nfc: dict[str, Any] | None = None
    liveness: list[dict[str, Any]] = field(default_factory=list)
    dispositions: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    blocklist: list[dict[str, Any]] = field(default_factory=list)

    @property
    def warning_codes(self) -> list[str]:
        codes = [w["code"] for c in self.checks for w in (c["warnings"] or []) if "code" in w]
        return list(dict.fromkeys(codes))


def find_session(conn: psycopg.Connection, session_id: str, for_update: bool = False) -> SessionRow:
    """The session if this tenant has it (another tenant's ids look like unknown ones)."""
    try:
        sid = str(uuid.UUID(session_id))
    except ValueError as exc:
        raise UnknownSubject("no such session") from exc
    s = get_session(conn, sid, for_update=for_update)
    if s is None or s.deleted_at is not None:
        raise UnknownSubject("no such session")
    return s


def load_case(conn: psycopg.Connection, cipher: TenantCipher, session_id: str) -> Case:
    s = find_session(conn, session_id)
    sid = str(s.id)
    checks = load_results(conn, cipher, sid)
    arts = list_artifacts(conn, sid)
    fields: dict[str, Any] = {}
    mrz = face = poa = nfc = None
    doc: dict[str, Any] = {}
    chip: dict[str, Any] = {}
    aml: list[dict[str, Any]] = []
    liveness: list[dict[str, Any]] = []
    for c in checks:
        data = c["data"] or {}
        if c["check"] == "id_document":
            doc = data
            fields = data.get("fields") if isinstance(data.get("fields"), dict) else {}
            mrz = data.get("mrz") if isinstance(data.get("mrz"), dict) else None
        elif c["check"] == "face_match":
            face = {"score": c["score"], "status": c["status"], **data}
        elif c["check"] == "aml":
            aml = list(data.get("matches") or data.get("hits") or [])
        elif c["check"] == "proof_of_address":
            poa = panels.poa_panel(c)
        elif c["check"] == "nfc":
            nfc = panels.nfc_panel(c, arts)
            chip = c["data"] or {}
        elif c["check"] in ("passive_liveness", "active_liveness"):
            liveness.append(panels.liveness_panel(c))
    assignment = conn.execute(
        "SELECT a.assignee, a.assigned_at, coalesce(u.name, u.email) AS name "
        "FROM case_assignments a JOIN console_users u ON u.id = a.assignee "
        "WHERE a.session_id = %s",
        (sid,),
    ).fetchone()
    proposal = conn.execute(
        "SELECT p.proposed_by, p.reason_codes, p.note, p.created_at, "
        "coalesce(u.name, u.email) AS name FROM case_proposals p "
        "JOIN console_users u ON u.id = p.proposed_by WHERE p.session_id = %s",
        (sid,),
    ).fetchone()
    trail = session_audit_trail(conn, sid)
    case = Case(
        session=s,
        checks=checks,
        images=[a for a in arts if a["content_type"] in IMAGE_TYPES],
        other_artifacts=[a for a in arts if a["content_type"] not in IMAGE_TYPES],
        fields=fields,
        mrz=mrz,
        face=face,
        aml=aml,
        assignment=dict(assignment) if assignment else None,
        proposal=dict(proposal) if proposal else None,
        audit=trail,
    )
    case.timeline = _timeline(conn, sid, trail)
    case.vendor_data = vendor_data.of_session(conn, cipher, s)
    case.related = _related(conn, s, case.vendor_data, cipher.tenant_id)
    add_face_duplicates(case)
    case.comparison = panels.field_comparison(doc, chip)
    case.mismatches = panels.mismatches(checks, case.comparison)
    case.poa, case.nfc, case.liveness = poa, nfc, liveness
    case.dispositions = dispositions(conn, sid)
    case.notes = notes_of(conn, sid)
    case.blocklist = [
        dict(r)
        for r in conn.execute(
            "SELECT kind, hint, created_at FROM blocklist WHERE session_id = %s "
            "ORDER BY created_at",
            (sid,),
        ).fetchall()
    ]
    return case


def _timeline(conn: psycopg.Connection, sid: str, trail: list[AuditEntry]) -> list[TimelineEntry]:
    out = [
        TimelineEntry(e.created_at, "audit", e.action, e.actor.name or e.actor.type) for e in trail
    ]
    for r in conn.execute(
        "SELECT event_type, created_at, published_at FROM outbox "
        "WHERE event->'data'->>'session_id' = %s ORDER BY created_at",
        (sid,),
    ).fetchall():
        state = "published" if r["published_at"] else "waiting"
        out.append(TimelineEntry(r["created_at"], "event", r["event_type"], None, state))
    for r in conn.execute(
        "SELECT event_type, status, attempts, created_at, delivered_at FROM webhook_deliveries "
        "WHERE session_id = %s ORDER BY created_at",
        (sid,),
    ).fetchall():
        out.append(
            TimelineEntry(
                r["delivered_at"] or r["created_at"],
                "webhook",
                r["event_type"],
                None,
                f"{r['status']} after {r['attempts']} attempt(s)",
            )
        )
    return sorted(out, key=lambda e: e.at)


def _related(
    conn: psycopg.Connection, s: SessionRow, vendor: str | None, tenant_id: str
) -> list[dict[str, Any]]:
    """Earlier and later sessions of the same person: the same vendor data (the tenant's id
    for the person), the same document (its keyed fingerprint), or the same face (the
    duplicate search of `face_match`), each with why it is related."""
    sid = str(s.id)
    rows = conn.execute(
        "SELECT id, status, created_at, array_agg(DISTINCT why) AS why FROM ("
        "  SELECT s.id, s.status, s.created_at, 'same vendor data' AS why FROM sessions s"
        "   WHERE %(vendor)s::text IS NOT NULL AND (s.vendor_data_hash = %(vhash)s OR "
        "   (s.vendor_data_hash IS NULL AND s.vendor_data = %(vendor)s))"
        "  UNION ALL"
        "  SELECT s.id, s.status, s.created_at, 'same document' FROM document_uses d"
        "   JOIN document_uses o ON o.engine_hash = d.engine_hash AND o.session_id <> d.session_id"
        "   JOIN sessions s ON s.id = o.session_id WHERE d.session_id = %(sid)s"
        ") r WHERE id <> %(sid)s AND id IN (SELECT id FROM sessions WHERE deleted_at IS NULL) "
        "GROUP BY id, status, created_at ORDER BY created_at DESC LIMIT 20",
        {
            "vendor": vendor,
            "vhash": vendor_data.vendor_data_hash(tenant_id, vendor) if vendor else None,
            "sid": sid,
        },
    ).fetchall()
    return [dict(r) for r in rows]


def add_face_duplicates(case: Case) -> None:
    """Sessions the face search found (their ids are in the check's data)."""
    known = {str(r["id"]) for r in case.related}
    for c in case.checks:
        for hit in (c["data"] or {}).get("duplicates") or []:
            if isinstance(hit, dict) and str(hit.get("id")) not in known:
                known.add(str(hit.get("id")))
                case.related.append(
                    {
                        "id": hit.get("id"),
                        "status": "",
                        "created_at": None,
                        "why": [f"same face ({hit.get('similarity')})"],
                    }
                )


def dispositions(conn: psycopg.Connection, sid: str) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "SELECT d.entity_id, d.decision, d.reason, d.created_at, "
        "coalesce(u.name, u.email) AS name FROM case_aml_dispositions d "
        "LEFT JOIN console_users u ON u.id = d.decided_by WHERE d.session_id = %s",
        (sid,),
    ).fetchall()
    return {r["entity_id"]: dict(r) for r in rows}


def notes_of(conn: psycopg.Connection, sid: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT n.id, n.body, n.created_at, coalesce(u.name, u.email) AS author FROM case_notes n "
        "JOIN console_users u ON u.id = n.author WHERE n.session_id = %s ORDER BY n.created_at",
        (sid,),
    ).fetchall()
    return [dict(r) for r in rows]


def evidence(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, artifact_id: str
) -> tuple[bytes, str]:
    """One image of the case, decrypted for this request only: (bytes, content type)."""
    s = find_session(conn, session_id)
    try:
        aid = str(uuid.UUID(artifact_id))
    except ValueError as exc:
        raise UnknownSubject("no such artifact") from exc
    row = conn.execute(
        "SELECT id, content_type, ciphertext, sealed_with FROM artifacts "
        "WHERE id = %s AND session_id = %s",
        (aid, str(s.id)),
    ).fetchone()
    if row is None or row["content_type"] not in IMAGE_TYPES:
        raise UnknownSubject("no such artifact")
    (data,) = open_artifacts(conn, cipher, str(s.id), [row])
    return data, row["content_type"]


def chip_portrait(conn: psycopg.Connection, cipher: TenantCipher, session_id: str) -> bytes:
    """The NFC chip's portrait (DG2) as JPEG, decoded for this request only."""
    from shared.nfc.dg2 import face_jpeg
    from shared.nfc.errors import NfcError

    s = find_session(conn, session_id)
    row = conn.execute(
        "SELECT id, content_type, ciphertext, sealed_with FROM artifacts "
        "WHERE session_id = %s AND kind = 'nfc_dg2' ORDER BY created_at DESC LIMIT 1",
        (str(s.id),),
    ).fetchone()
    if row is None:
        raise UnknownSubject("no chip portrait")
    (data,) = open_artifacts(conn, cipher, str(s.id), [row])
    try:
        return face_jpeg(data)
    except NfcError as exc:
        raise UnknownSubject("the chip portrait cannot be decoded") from exc
