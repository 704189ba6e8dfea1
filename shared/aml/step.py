"""The AML engine on the platform: the `aml` step, enrolment of approved subjects, and the
monitoring run after a list load (hits become `io.idmesh.aml.hit.v1` events)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import psycopg

from events import AML_HIT, AML_HIT_V2
from shared.aml.check import AmlParams, AmlQuery, run_aml
from shared.aml.hit_review import is_dismissed
from shared.aml.models import ListDiff
from shared.aml.monitoring import MonitoredSubject, rescreen
from shared.aml.normalize import normalize
from shared.checks.result import CheckResult, error_result
from shared.countries import to_alpha2
from shared.crypto.envelope import DecryptionError, TenantCipher
from shared.eventing.outbox import enqueue, make_event
from shared.platform import Platform
from shared.sessions.check_inputs import CheckInputs

log = logging.getLogger(__name__)
AML_NO_NAME = "AML_NO_NAME"


class SessionDismissals:
    """AmlContext: hits a reviewer dismissed for this session's subject are not raised again."""

    def __init__(self, conn: psycopg.Connection, session_id: str) -> None:
        self.conn, self.session_id = conn, session_id

    def dismissed(self, entity_id: str) -> bool:
        return is_dismissed(self.conn, self.session_id, entity_id)


# ICAO codes without an ISO 3166 country: organisations (UNO, EUE...), stateless and
# refugee holders (XXA, XXB, XXC, XXX), the specimen state Utopia (UTO).
_NOT_A_COUNTRY = frozenset({"EU", "UN"})
_DOB = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")  # unknown parts (X) dropped


def iso_country(icao: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 country of an MRZ nationality (`D` → DE, `GBD` → GB, `AUT` →
    AT), or None when the code names no country: the step then screens without one rather
    than failing over a field idmesh derived itself."""
    if not icao:
        return None
    code = to_alpha2(icao)
    return code if code and code not in _NOT_A_COUNTRY else None


def query_for_session(inputs: CheckInputs) -> AmlQuery | None:
    """Who to screen: the document's holder when a document was read (with its nationality
    and document number), else the tenant's expected name and date of birth."""
    mrz = inputs.document_mrz()
    name = " ".join(p for p in (mrz.get("given_names"), mrz.get("surname")) if p)
    if normalize(name).tokens:
        dob = mrz.get("date_of_birth") or ""
        number = (mrz.get("document_number") or "").replace("<", "").strip()
        return AmlQuery(
            name=name,
            date_of_birth=dob if _DOB.fullmatch(dob) else None,
            country=iso_country(mrz.get("nationality")),
            type="person",
            identifiers=[number] if number else [],
        )
    e = inputs.expected
    if e and (e.first_name or e.last_name):
        name = " ".join(p for p in (e.first_name, e.last_name) if p)
        return AmlQuery(name=name, date_of_birth=e.date_of_birth, type="person")
    return None


def aml_step(inputs: CheckInputs) -> CheckResult:
    params = AmlParams.model_validate(inputs.params)
    query = query_for_session(inputs)
    if query is None:
        return error_result(
            "aml", AML_NO_NAME, "no name to screen: no document read and no expected name"
        )
    result = run_aml(query, params, SessionDismissals(inputs.conn, str(inputs.session.id)))
    result.data["query"] = query.model_dump(exclude_none=True)
    return result


def enrol_from_session(conn: psycopg.Connection, cipher: TenantCipher, session_id: str) -> bool:
    """Enrol the subject screened by the session's `aml` step (called on approval)."""
    row = conn.execute(
        "SELECT id, data_enc FROM checks WHERE session_id = %s AND check_name = 'aml' "
        "AND status <> 'pending' ORDER BY updated_at DESC LIMIT 1",
        (session_id,),
    ).fetchone()
    if row is None or row["data_enc"] is None:
        return False
    data = json.loads(cipher.open("check", str(row["id"]), row["data_enc"]))
    q = data.get("query")
    if not q:
        return False
    subject = {
        "name": q["name"],
        "dob": q.get("date_of_birth"),
        "country": q.get("country"),
        "type": q.get("type"),
        "identifiers": q.get("identifiers", []),
    }
    subject_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO aml_subjects (id, tenant_id, session_id, subject_enc) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (tenant_id, session_id) DO NOTHING",
        (
            subject_id,
            cipher.tenant_id,
            session_id,
            cipher.seal("aml-subject", subject_id, json.dumps(subject).encode()),
        ),
    )
    return True


def monitor_diff(platform: Platform, diff: ListDiff, threshold: float = 0.7) -> dict[str, int]:
    """Re-screen every tenant's enrolled subjects against a list's changed entries."""
    totals = {"tenants": 0, "subjects": 0, "hits": 0, "unreadable": 0}
    if not diff.added and not diff.changed:
        return totals
    with platform.db.no_tenant() as conn:
        tenants = [
            str(r["tenant_id"])
            for r in conn.execute("SELECT tenant_id FROM idmesh_monitoring_tenants()").fetchall()
        ]
    for tenant_id in tenants:
        with platform.db.tenant(tenant_id) as conn:
            cipher = platform.cipher(conn, tenant_id)
            rows = conn.execute(
                "SELECT id, session_id, subject_enc FROM aml_subjects WHERE active"
            ).fetchall()
            subjects, session_of = [], {}
            for r in rows:
                sid = str(r["id"])
                try:
                    raw = json.loads(cipher.open("aml-subject", sid, r["subject_enc"]))
                    subject = MonitoredSubject(id=sid, **raw)
                except (DecryptionError, ValueError, TypeError):
                    # One damaged row must not stop monitoring for every tenant: it is
                    # counted and named by id (never by content) for the operator.
                    log.warning("aml subject %s of tenant %s is unreadable", sid, tenant_id)
                    totals["unreadable"] += 1
                    continue
                subjects.append(subject)
                session_of[sid] = str(r["session_id"]) if r["session_id"] else None
            hits = rescreen(diff, subjects, threshold)
            for h in hits:
                _record_hit(conn, cipher, tenant_id, h, session_of.get(h.subject_id))
            totals["tenants"] += 1
            totals["subjects"] += len(subjects)
            totals["hits"] += len(hits)
    return totals


def _record_hit(
    conn: psycopg.Connection, cipher: TenantCipher, tenant_id: str, h: Any, session_id: str | None
) -> None:
    hit_id = str(uuid.uuid4())
    details = {"name": h.name, "matched_name": h.matched_name, "explanation": h.explanation}
    row = conn.execute(
        "INSERT INTO aml_hits (id, tenant_id, subject_id, session_id, entity_id, list, "
        "list_version, score, change, details_enc) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s) ON CONFLICT DO NOTHING RETURNING id",
        (
            hit_id,
            tenant_id,
            h.subject_id,
            session_id,
            h.entity_id,
            h.list,
            h.list_version,
            h.score,
            h.change,
            cipher.seal("aml-hit", hit_id, json.dumps(details).encode()),
        ),
    ).fetchone()
    if row is None:
        return
    score = min(1.0, max(0.0, h.score))
    about = {
        "subject_id": h.subject_id,
        "session_id": session_id,
        "entity_id": _id_for_event(h.entity_id),
        "list": h.list,
        "list_version": h.list_version,
    }
    # v1 (deprecated, score 0–1) beside v2 (0–100) for the deprecation period.
    for event_type, scaled in ((AML_HIT, round(score, 4)), (AML_HIT_V2, round(score * 100))):
        enqueue(
            conn,
            make_event(
                tenant_id, event_type, {**about, "score": scaled}, "/idmesh/aml", session_id
            ),
        )


def _id_for_event(entity_id: str) -> str:
    return entity_id[:128]
