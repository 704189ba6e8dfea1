"""The PDF report of a session (reportlab, BSD): decision, checks with their evidence and
images, timeline and audit entries. Each report gets an id printed in it and its SHA-256
recorded, so a recipient verifies a file against the API (`GET /v1/reports/{id}`)."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import psycopg
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shared.console.case import Case, load_case
from shared.crypto.envelope import TenantCipher
from shared.errors import UnknownSubject
from shared.sessions.artifacts import open_artifacts


def _p(text: object, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list[object]], style, widths=None) -> Table:
    t = Table([[_p(c, style) for c in r] for r in rows], colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDF5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


def render_pdf(conn: psycopg.Connection, cipher: TenantCipher, case: Case, report_id: str) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    s = case.session
    d = s.decision or {}
    story: list = [
        _p("idmesh verification report", styles["Title"]),
        _p(f"Report {report_id} - generated {datetime.now(UTC):%Y-%m-%d %H:%M UTC}", small),
        _p("Verify this file: its SHA-256 must match GET /v1/reports/" + report_id, small),
        Spacer(1, 4 * mm),
        _p("Decision", styles["Heading2"]),
        _table(
            [
                ["Session", "Status", "Rule", "Reason codes", "Decided"],
                [
                    str(s.id),
                    s.status,
                    d.get("rule") or "-",
                    ", ".join(d.get("reason_codes") or []) or "-",
                    f"{s.decided_at:%Y-%m-%d %H:%M}" if s.decided_at else "-",
                ],
            ],
            small,
        ),
    ]
    if d.get("reviewer"):
        story.append(_p(f"Reviewed by {d['reviewer'].get('name')}: {d.get('note') or ''}", body))
    story += [Spacer(1, 3 * mm), _p("Checks", styles["Heading2"])]
    rows: list[list[object]] = [["Step", "Check", "Status", "Score", "Warnings"]]
    for c in case.checks:
        codes = ", ".join(w.get("code", "") for w in c["warnings"] or [])
        rows.append(
            [
                c["step"],
                c["check"],
                c["status"],
                c["score"] if c["score"] is not None else "-",
                codes or "-",
            ]
        )
    story.append(_table(rows, small))
    if case.fields:
        story += [Spacer(1, 3 * mm), _p("Extracted fields", styles["Heading2"])]
        frows: list[list[object]] = [["Field", "Value", "Source"]]
        for k, v in case.fields.items():
            if isinstance(v, dict):
                frows.append([k, v.get("value"), v.get("source", "")])
        story.append(_table(frows, small))
    if case.mrz:
        story += [Spacer(1, 3 * mm), _p("MRZ check digits", styles["Heading2"])]
        mrows: list[list[object]] = [["Digit", "Found", "Expected", "Valid"]]
        for cd in case.mrz.get("checks") or []:
            mrows.append([cd["name"], cd["found"], cd["expected"], "yes" if cd["valid"] else "NO"])
        story.append(_table(mrows, small))
    if case.mismatches:
        story += [Spacer(1, 3 * mm), _p("Cross-check mismatches", styles["Heading2"])]
        xrows: list[list[object]] = [["Check", "Code or field", "What"]]
        for m in case.mismatches:
            xrows.append([m["check"], m["code"], m.get("message") or ""])
        story.append(_table(xrows, small))
    if case.aml:
        story += [Spacer(1, 3 * mm), _p("AML matches and dispositions", styles["Heading2"])]
        arows_: list[list[object]] = [["Entry", "List", "Score", "Disposition"]]
        for m in case.aml:
            d_ = case.dispositions.get(m.get("entity_id") or "")
            arows_.append(
                [
                    m.get("name") or m.get("entity_id"),
                    f"{m.get('list', '')} {m.get('entity_id', '')}",
                    m.get("score", "-"),
                    f"{d_['decision']} by {d_['name']}: {d_['reason']}" if d_ else "open",
                ]
            )
        story.append(_table(arows_, small))
    if case.notes:
        story += [Spacer(1, 3 * mm), _p("Notes", styles["Heading2"])]
        for n in case.notes:
            story.append(_p(f"{n['created_at']:%Y-%m-%d %H:%M} {n['author']}: {n['body']}", small))
    images = _images(conn, cipher, case)
    if images:
        story += [Spacer(1, 3 * mm), _p("Evidence", styles["Heading2"])]
        for kind, data in images:
            story.append(_p(kind, small))
            img = Image(io.BytesIO(data))
            scale = min(70 * mm / img.imageWidth, 60 * mm / img.imageHeight, 1.0)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            story.append(img)
    story += [Spacer(1, 3 * mm), _p("Timeline", styles["Heading2"])]
    trows: list[list[object]] = [["When", "Kind", "What", "Who", "Detail"]]
    for e in case.timeline:
        trows.append([f"{e.at:%Y-%m-%d %H:%M:%S}", e.kind, e.what, e.who or "", e.detail])
    story.append(_table(trows, small))
    story += [Spacer(1, 3 * mm), _p("Audit trail", styles["Heading2"])]
    arows: list[list[object]] = [["Seq", "When", "Who", "Action", "Hash"]]
    for a in case.audit:
        arows.append(
            [
                a.seq,
                f"{a.created_at:%Y-%m-%d %H:%M:%S}",
                a.actor.name or a.actor.type,
                a.action,
                a.hash[:16],
            ]
        )
    story.append(_table(arows, small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"idmesh report {report_id}",
        author="idmesh",
        subject=f"session {s.id}",
        invariant=False,
    )
    doc.build(story)
    return out.getvalue()


def _images(conn: psycopg.Connection, cipher: TenantCipher, case: Case) -> list[tuple[str, bytes]]:
    rows = conn.execute(
        "SELECT id, kind, ciphertext, sealed_with FROM artifacts WHERE session_id = %s "
        "AND content_type IN ('image/jpeg', 'image/png') ORDER BY created_at LIMIT 6",
        (str(case.session.id),),
    ).fetchall()
    if not rows:
        return []
    return list(
        zip(
            [r["kind"] for r in rows],
            open_artifacts(conn, cipher, str(case.session.id), rows),
            strict=True,
        )
    )


def issue_report(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, actor: str
) -> tuple[bytes, str, str]:
    """A new report of the session: (pdf, report id, sha256), recorded and audited."""
    from shared.audit import audit

    case = load_case(conn, cipher, session_id)
    report_id = str(uuid.uuid4())
    pdf = render_pdf(conn, cipher, case, report_id)
    digest = hashlib.sha256(pdf).hexdigest()
    conn.execute(
        "INSERT INTO session_reports (id, tenant_id, session_id, sha256, generated_by) "
        "VALUES (%s, %s, %s, %s, %s)",
        (report_id, cipher.tenant_id, str(case.session.id), digest, actor),
    )
    audit(
        conn,
        cipher.tenant_id,
        actor,
        "session.report_issued",
        str(case.session.id),
        {"report_id": report_id, "sha256": digest},
    )
    return pdf, report_id, digest


def find_report(conn: psycopg.Connection, report_id: str) -> dict:
    """What the API answers a recipient verifying a report (its id printed in the file)."""
    try:
        rid = str(uuid.UUID(report_id))
    except ValueError as exc:
        raise UnknownSubject("no such report") from exc
    row = conn.execute(
        "SELECT id AS report_id, session_id, sha256, created_at FROM session_reports WHERE id = %s",
        (rid,),
    ).fetchone()
    if row is None:
        raise UnknownSubject("no such report")
    return {k: str(v) if k != "created_at" else v.isoformat() for k, v in row.items()}
