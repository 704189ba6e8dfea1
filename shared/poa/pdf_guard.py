"""A pure-Python structural scan of a PDF, run before any parser touches it.

It refuses what must not be parsed further (encryption, active content, decompression bombs,
oversized object streams or images) and records what the tamper rules need: the revisions of
the file (incremental updates) with the kinds of objects each one changes, and the XMP
metadata. Streams are inflated with a hard output limit, so a bomb costs at most that limit.
"""

from __future__ import annotations

import re
import zlib
from base64 import a85decode
from dataclasses import dataclass, field

from shared.poa import codes

MAX_STREAM_OUT = 16 * 1024 * 1024  # one inflated stream
MAX_TOTAL_OUT = 64 * 1024 * 1024  # all inflated streams of the file
MAX_RATIO = 400  # inflated/deflated beyond this with a large output = bomb
MAX_OBJECTS = 100_000
MAX_OBJSTM_N = 20_000
MAX_IMAGE_PIXELS = 80_000_000

# names of active content; OpenAction/AA only count when they carry an action (see below)
_HOSTILE_NAMES = {
    b"JavaScript",
    b"JS",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"RichMedia",
    b"GoToE",
    b"XFA",
}
_NAME_RE = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_OBJ_RE = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_STREAM_RE = re.compile(rb"stream\r?\n")
_OPENACTION_RE = re.compile(rb"/OpenAction\s*(<<.*?>>|\d+\s+\d+\s+R|\[)", re.S)


class PdfRefused(Exception):
    """The file must not be parsed; `code` is a POA_* warning code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Revision:
    """One section of the file ending in %%EOF: the original or an incremental update."""

    index: int
    start: int
    end: int
    objects: list[int] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # page/content/font/image/info/...


@dataclass
class PdfScan:
    version: str
    revisions: list[Revision]
    linearized: bool
    xmp: dict[str, list[str]]
    has_signature: bool
    object_count: int
    inflated_bytes: int

    @property
    def updates(self) -> list[Revision]:
        return self.revisions[1:]


def _decode_name(raw: bytes) -> bytes:
    if b"#" not in raw:
        return raw
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _names(chunk: bytes) -> set[bytes]:
    return {_decode_name(m.group(1)) for m in _NAME_RE.finditer(chunk)}


class _Inflater:
    def __init__(self) -> None:
        self.total = 0

    def inflate(self, data: bytes, filters: list[bytes]) -> bytes | None:
        out = data
        for f in filters:
            if f in (b"ASCII85Decode", b"A85"):
                try:
                    out = a85decode(out.strip().rstrip(b"~>") + b"~>", adobe=False)
                except ValueError:
                    return None
            elif f in (b"FlateDecode", b"Fl"):
                d = zlib.decompressobj()
                try:
                    res = d.decompress(out, MAX_STREAM_OUT + 1)
                except zlib.error:
                    return None
                if len(res) > MAX_STREAM_OUT or (d.unconsumed_tail and len(res) >= MAX_STREAM_OUT):
                    raise PdfRefused(
                        codes.POA_HOSTILE_PDF,
                        "a compressed stream inflates beyond the allowed size",
                    )
                if len(res) > 1_000_000 and len(res) > MAX_RATIO * max(1, len(out)):
                    raise PdfRefused(
                        codes.POA_HOSTILE_PDF,
                        f"decompression bomb: ratio {len(res) // max(1, len(out))}:1",
                    )
                out = res
            else:
                return None  # DCT, LZW, JBIG2...: not inspected here
        self.total += len(out)
        if self.total > MAX_TOTAL_OUT:
            raise PdfRefused(codes.POA_HOSTILE_PDF, "the streams inflate beyond the allowed total")
        return out


def _filters(dict_bytes: bytes) -> list[bytes]:
    m = re.search(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)", dict_bytes)
    if not m:
        return []
    return [_decode_name(x) for x in re.findall(rb"/([A-Za-z0-9#]+)", m.group(1))]


def _classify(dict_bytes: bytes, content_refs: set[int], num: int) -> str:
    n = _names(dict_bytes[:4000])
    if b"XRef" in n and b"Type" in n:
        return "xref"
    if b"ObjStm" in n:
        return "objstm"
    if b"Sig" in n and b"ByteRange" in n:
        return "signature"
    if b"Page" in n and b"Type" in n and b"Pages" not in n:
        return "page"
    if b"Pages" in n and b"Kids" in n:
        return "pages"
    if b"Image" in n and b"Subtype" in n:
        return "image"
    if b"Form" in n and b"Subtype" in n and b"XObject" in n:
        return "form_xobject"
    if b"Font" in n and b"Type" in n or b"FontFile2" in n or b"FontFile" in n:
        return "font"
    if b"Annot" in n or b"Annots" in n:
        return "annotation"
    if b"Catalog" in n:
        return "catalog"
    if b"Metadata" in n and b"XML" in n:
        return "xmp"
    if b"Producer" in n or b"ModDate" in n or b"CreationDate" in n:
        return "info"
    if num in content_refs:
        return "content"
    if b"Length" in n and b"Subtype" not in n and b"Type" not in n:
        return "content"
    return "other"


_XMP_KEYS = {
    "creator_tool": rb"<?xmp:CreatorTool>?\s*=?\s*[\"']?([^<\"']{1,200})",
    "producer": rb"<?pdf:Producer>?\s*=?\s*[\"']?([^<\"']{1,200})",
    "software_agent": rb"stEvt:softwareAgent>?\s*=?\s*[\"']?([^<\"']{1,200})",
    "history_action": rb"stEvt:action>?\s*=?\s*[\"']?([^<\"']{1,60})",
}


def _xmp_fields(blob: bytes, acc: dict[str, list[str]]) -> None:
    for key, rx in _XMP_KEYS.items():
        for m in re.finditer(rx, blob):
            v = m.group(1).decode("utf-8", "replace").strip()
            if v and v not in acc.setdefault(key, []):
                acc[key].append(v)


def scan_pdf(data: bytes, max_bytes: int) -> PdfScan:
    """Scan the raw file; raises PdfRefused for files that must not go further."""
    if len(data) > max_bytes:
        raise PdfRefused(codes.POA_FILE_TOO_LARGE, f"PDF larger than {max_bytes} bytes")
    start = data.find(b"%PDF-")
    if start < 0:
        raise PdfRefused(codes.POA_CORRUPT_FILE, "no PDF header")
    version = data[start + 5 : start + 8].decode("latin-1", "replace")
    if b"%%EOF" not in data[-4096:] and b"startxref" not in data:
        raise PdfRefused(codes.POA_CORRUPT_FILE, "the PDF is truncated (no trailer)")

    objects = list(_OBJ_RE.finditer(data))
    if len(objects) > MAX_OBJECTS:
        raise PdfRefused(codes.POA_HOSTILE_PDF, f"{len(objects)} objects (limit {MAX_OBJECTS})")

    # revision boundaries: every %%EOF closes one section
    eofs = [m.end() for m in re.finditer(rb"%%EOF", data)]
    linearized = b"/Linearized" in data[:2048]
    if linearized and len(eofs) >= 2:
        eofs = eofs[1:]  # the first-page section of a linearized file is not an update
    if not eofs:
        eofs = [len(data)]
    # the trailer dictionary decides encryption
    for t in re.finditer(rb"trailer\s*<<(.*?)>>\s*startxref", data, re.S):
        if re.search(rb"/Encrypt\s+\d+\s+\d+\s+R|/Encrypt\s*<<", t.group(1)):
            raise PdfRefused(codes.POA_ENCRYPTED, "the PDF is encrypted")

    inflater = _Inflater()
    hostile: set[bytes] = set()
    xmp: dict[str, list[str]] = {}
    content_refs: set[int] = set()
    has_sig = False
    raw_kinds: list[tuple[int, int, str]] = []  # (offset, obj number, kind)

    for i, m in enumerate(objects):
        num = int(m.group(1))
        body_end = objects[i + 1].start() if i + 1 < len(objects) else len(data)
        body = data[m.end() : body_end]
        sm = _STREAM_RE.search(body)
        end_obj = body.find(b"endobj")
        if sm and (end_obj < 0 or sm.start() < end_obj):
            dict_part = body[: sm.start()]
            stream_end = body.find(b"endstream", sm.end())
            raw = body[sm.end() : stream_end if stream_end >= 0 else len(body)]
        else:
            dict_part = body[:end_obj] if end_obj >= 0 else body
            raw = b""
        names = _names(dict_part)
        hostile |= names & _HOSTILE_NAMES
        if b"AA" in names and re.search(rb"/AA\s*<<", dict_part):
            hostile.add(b"AA")
        om = _OPENACTION_RE.search(dict_part)
        if om and om.group(1).startswith(b"<<") and re.search(rb"/S\s*/", om.group(1)):
            hostile.add(b"OpenAction")
        for ref in re.findall(rb"/Contents\s*(?:\[([^\]]*)\]|(\d+)\s+\d+\s+R)", dict_part):
            nums = re.findall(rb"(\d+)\s+\d+\s+R", ref[0]) if ref[0] else [ref[1]]
            content_refs |= {int(x) for x in nums}
        w = re.search(rb"/Width\s+(\d+)", dict_part)
        h = re.search(rb"/Height\s+(\d+)", dict_part)
        if w and h and int(w.group(1)) * int(h.group(1)) > MAX_IMAGE_PIXELS:
            raise PdfRefused(codes.POA_HOSTILE_PDF, "an embedded image exceeds the pixel limit")
        kind = _classify(dict_part, content_refs, num)
        if kind == "signature":
            has_sig = True
        if raw and kind in ("objstm", "xmp", "content", "other", "form_xobject"):
            nm = re.search(rb"/N\s+(\d+)", dict_part)
            if kind == "objstm" and nm and int(nm.group(1)) > MAX_OBJSTM_N:
                raise PdfRefused(
                    codes.POA_HOSTILE_PDF, "an object stream declares too many objects"
                )
            inflated = inflater.inflate(raw, _filters(dict_part))
            if inflated is not None:
                if kind == "objstm":
                    hostile |= _names(inflated) & _HOSTILE_NAMES
                    if re.search(rb"/OpenAction\s*<<[^>]*/S\s*/", inflated):
                        hostile.add(b"OpenAction")
                    if b"/Sig" in inflated and b"/ByteRange" in inflated:
                        has_sig = True
                    inner = _names(inflated[:20000])
                    if b"Page" in inner and b"Type" in inner:
                        kind = "objstm_page"
                if b"<x:xmpmeta" in inflated or b"xmlns:xmp" in inflated:
                    _xmp_fields(inflated, xmp)
        elif raw and (b"<x:xmpmeta" in raw[:4096] or b"xmlns:xmp" in raw[:4096]):
            _xmp_fields(raw, xmp)
        raw_kinds.append((m.start(), num, kind))

    if hostile:
        names = ", ".join(sorted(n.decode("latin-1") for n in hostile))
        raise PdfRefused(codes.POA_HOSTILE_PDF, f"active content in the PDF: {names}")

    revisions: list[Revision] = []
    prev = 0
    for idx, end in enumerate(eofs):
        rev = Revision(index=idx, start=prev, end=end)
        for off, num, kind in raw_kinds:
            if prev <= off < end:
                rev.objects.append(num)
                k = "content" if num in content_refs and kind == "other" else kind
                rev.kinds[k] = rev.kinds.get(k, 0) + 1
        revisions.append(rev)
        prev = end
    # trailing bytes after the last %%EOF with objects are an unterminated update
    tail = [k for off, _, k in raw_kinds if off >= prev]
    if tail:
        rev = Revision(index=len(revisions), start=prev, end=len(data))
        for k in tail:
            rev.kinds[k] = rev.kinds.get(k, 0) + 1
        revisions.append(rev)
    # drop empty sections (e.g. a stray %%EOF comment)
    revisions = [r for r in revisions if r.kinds or r.index == 0]
    for i, r in enumerate(revisions):
        r.index = i
    return PdfScan(
        version=version,
        revisions=revisions,
        linearized=linearized,
        xmp=xmp,
        has_signature=has_sig,
        object_count=len(objects),
        inflated_bytes=inflater.total,
    )
