"""Hostile and broken PDFs for the input-guard tests (built by hand, small)."""

from __future__ import annotations

import io
import zlib

from reportlab.pdfgen import canvas

from tests.poa.pdf_bytes import assemble_pdf as _pdf


def _page_objects(content: bytes, catalog_extra: bytes = b"") -> list[bytes]:
    stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


HELLO = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"


def javascript_pdf() -> bytes:
    objs = _page_objects(HELLO, b"/OpenAction 6 0 R ")
    objs.append(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('x'\\)) >>")
    return _pdf(objs)


def obfuscated_javascript_pdf() -> bytes:
    objs = _page_objects(HELLO, b"/OpenAction << /S /J#61vaScript /JS 6 0 R >> ")
    objs.append(b"(app.alert\\(1\\))")
    return _pdf(objs)


def launch_pdf() -> bytes:
    objs = _page_objects(HELLO, b"/OpenAction << /S /Launch /F (cmd.exe) >> ")
    return _pdf(objs)


def bomb_pdf() -> bytes:
    payload = zlib.compress(b"0" * (64 * 1024 * 1024), 9)  # ~64 KB inflating to 64 MB
    stream = (
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(payload) + payload + b"\nendstream"
    )
    objs = _page_objects(HELLO)
    objs[3] = stream
    return _pdf(objs)


def huge_objstm_pdf() -> bytes:
    data = zlib.compress(b"1 0 ")
    objs = _page_objects(HELLO)
    objs.append(
        b"<< /Type /ObjStm /N 5000000 /First 4 /Length %d /Filter /FlateDecode >>\n"
        b"stream\n" % len(data) + data + b"\nendstream"
    )
    return _pdf(objs)


def encrypted_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret")
    c.drawString(72, 720, "Hello")
    c.showPage()
    c.save()
    return buf.getvalue()


def truncated_pdf() -> bytes:
    return _pdf(_page_objects(HELLO))[:150]


def too_many_pages_pdf(n: int = 12) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(n):
        c.drawString(72, 720, f"Page {i}")
        c.showPage()
    c.save()
    return buf.getvalue()
