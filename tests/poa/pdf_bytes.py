"""A PDF file written by hand from its numbered objects (header, bodies, xref, trailer).

Used by the hostile PDFs of the guard tests and by the second PoA generator, which both
write PDFs without reportlab."""

from __future__ import annotations


def assemble_pdf(
    objects: list[bytes], root: int = 1, extra_trailer: bytes = b"", version: bytes = b"1.7"
) -> bytes:
    """`objects` as objects 1..n with a correct cross-reference table; the trailer names
    object `root` as the catalog and carries `extra_trailer` (e.g. b"/Info 7 0 R ")."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (
        b"trailer\n<< /Size %d /Root %d 0 R " % (len(objects) + 1, root)
        + extra_trailer
        + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return bytes(out)
