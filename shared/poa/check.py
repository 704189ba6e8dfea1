"""`run_proof_of_address`: read a proof-of-address document, check it, and say why."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from shared.checks.result import (
    CheckResult,
    CheckWarning,
    ModelInfo,
    Severity,
    error_result,
    status_of,
    stopwatch,
)
from shared.poa import codes
from shared.poa.codes import CHECK_NAME
from shared.poa.extract import Extraction, extract
from shared.poa.image_read import open_image
from shared.poa.layout import Segment, group_rows
from shared.poa.params import PoaContext, ProofOfAddressParams
from shared.poa.pdf_guard import PdfRefused, scan_pdf
from shared.poa.pdf_read import open_pdf
from shared.poa.rules import evaluate
from shared.poa.sniff import Media, sniff
from shared.poa.tamper import Signal, combine
from shared.poa.tamper import image_signals as img_sig
from shared.poa.tamper import pdf_signals as pdf_sig
from shared.poa.tamper.render_compare import compare_boxes, compare_layers

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 40  # a page with fewer text-layer characters is treated as a scan
OCR_PAGES = 2  # scanned PDFs: pages read by OCR (the address and date are on page 1)
RENDER_DPI = 150


class _OcrFailed(Exception):
    pass


@dataclass
class _Read:
    segments: list[Segment]
    source: str  # text_layer / ocr / mixed
    signals: list[Signal] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    models: list[ModelInfo] = field(default_factory=list)
    ocr_segments: list[Segment] = field(default_factory=list)
    text_segments: list[Segment] = field(default_factory=list)
    pdf_pages: list = field(default_factory=list)


def _ocr():
    from shared.poa import ocr

    try:
        return ocr.load()
    except Exception as e:  # noqa: BLE001 - a missing/broken model must not crash the check
        log.error("PP-OCR could not be loaded: %s", type(e).__name__)
        raise _OcrFailed(str(e)) from e


def _read_pdf(data: bytes, params: ProofOfAddressParams) -> _Read:
    scan = scan_pdf(data, params.max_bytes)
    pdf = open_pdf(data, params.max_pages, render_dpi=RENDER_DPI, render=True)
    signals: list[Signal] = []
    signals += pdf_sig.revision_signals(scan)
    signals += pdf_sig.metadata_signals(pdf.metadata, scan)
    segments: list[Segment] = []
    text_segments: list[Segment] = []
    ocr_segments: list[Segment] = []
    models: list[ModelInfo] = []
    pages_info = []
    ocr_done = 0
    for page in pdf.pages:
        n_chars = len(page.chars)
        if n_chars >= MIN_TEXT_CHARS:
            segments += page.segments
            text_segments += page.segments
            signals += pdf_sig.overlay_signals(page)
            signals += pdf_sig.hidden_text_signals(page)
            pages_info.append({"page": page.index, "source": "text_layer", "chars": n_chars})
        elif ocr_done < OCR_PAGES and page.image is not None:
            eng = _ocr()
            segs = eng.read(page.image, page.index)
            segments += segs
            ocr_segments += segs
            models = eng.models
            ocr_done += 1
            pages_info.append({"page": page.index, "source": "ocr", "lines": len(segs)})
        else:
            pages_info.append({"page": page.index, "source": "not_read"})
    source = {s.source for s in segments}
    return _Read(
        segments=segments,
        source="text_layer"
        if source == {"text"}
        else "ocr"
        if source == {"ocr"}
        else "mixed"
        if source
        else "none",
        signals=signals,
        models=models,
        ocr_segments=ocr_segments,
        text_segments=text_segments,
        pdf_pages=pdf.pages,
        info={
            "media": "pdf",
            "pdf_version": scan.version,
            "pages": pdf.page_count,
            "page_sources": pages_info,
            "revisions": len(scan.revisions),
            "linearized": scan.linearized,
            "signed": scan.has_signature,
            "producer": pdf.metadata.get("Producer", ""),
            "creator": pdf.metadata.get("Creator", ""),
            "creation_date": pdf.metadata.get("CreationDate", ""),
            "mod_date": pdf.metadata.get("ModDate", ""),
        },
    )


def _read_image(data: bytes, media: Media, params: ProofOfAddressParams) -> _Read:
    if len(data) > params.max_bytes:
        raise PdfRefused(codes.POA_FILE_TOO_LARGE, f"image larger than {params.max_bytes} bytes")
    img = open_image(data)
    eng = _ocr()
    segs = eng.read(img.rgb, 0)
    signals = img_sig.software_signals(img) + img_sig.recompression_signals(img)
    return _Read(
        segments=segs,
        source="ocr",
        signals=signals,
        models=eng.models,
        ocr_segments=segs,
        info={
            "media": media.value,
            "width": img.size[0],
            "height": img.size[1],
            "frames": img.frames,
            "exif": {
                k: v
                for k, v in img.exif.items()
                if k in ("Software", "Make", "Model", "ProcessingSoftware")
            },
        },
    )


def _key_with_overlaps(ex: Extraction, segments: list[Segment]) -> dict[str, list[Segment]]:
    """Key lines plus any text-layer line drawn at the same place (an overlay's new text)."""
    out: dict[str, list[Segment]] = {}
    for name, segs in ex.key_segments.items():
        acc = list(segs)
        for s in segs:
            for t in segments:
                if t is s or t.source != "text" or t.page != s.page:
                    continue
                iy = min(s.y1, t.y1) - max(s.y0, t.y0)
                ix = min(s.x1, t.x1) - max(s.x0, t.x0)
                if iy > 0.5 * min(s.h, t.h) and ix > 0 and t not in acc:
                    acc.append(t)
        out[name] = acc
    return out


def _amount_segments(segments: list[Segment]) -> list[Segment]:
    """The total line's value: the bold/large amount rows count as key lines too."""
    import re

    rows = group_rows([s for s in segments if s.source == "text"])
    out = []
    for r in rows:
        txt = r.text.lower()
        if re.search(
            r"total|gesamt|montant|a pagar|te betalen|balance|saldo|solde|kontostand", txt
        ) and re.search(r"\d+[.,]\d{2}", txt):
            out += [s for s in r.segments if re.search(r"\d+[.,]\d{2}", s.text)]
    return out


def run_proof_of_address(
    file: bytes,
    params: ProofOfAddressParams | None = None,
    ctx: PoaContext | None = None,
    expected_name: str | None = None,
    expected_address: str | None = None,
) -> CheckResult:
    params = params or ProofOfAddressParams()
    with stopwatch() as sw:
        try:
            return _run(file, params, ctx, expected_name, expected_address, sw)
        except PdfRefused as e:
            return error_result(CHECK_NAME, e.code, e.message, sw.ms)
        except _OcrFailed:
            return error_result(
                CHECK_NAME, codes.POA_MODEL_UNAVAILABLE, "the OCR models could not be loaded", sw.ms
            )
        except MemoryError:
            return error_result(
                CHECK_NAME, codes.POA_HOSTILE_PDF, "the file needs too much memory", sw.ms
            )
        except Exception:  # noqa: BLE001 - user input must never crash the function
            log.exception("proof_of_address failed on an input")
            return error_result(
                CHECK_NAME, codes.POA_CORRUPT_FILE, "the file could not be processed", sw.ms
            )


def _run(
    file: bytes,
    params: ProofOfAddressParams,
    ctx: PoaContext | None,
    expected_name: str | None,
    expected_address: str | None,
    sw,
) -> CheckResult:
    if not isinstance(file, bytes | bytearray) or not file:
        return error_result(CHECK_NAME, codes.POA_UNSUPPORTED_FORMAT, "empty upload", sw.ms)
    if len(file) > params.max_bytes:
        return error_result(
            CHECK_NAME,
            codes.POA_FILE_TOO_LARGE,
            f"file larger than {params.max_bytes} bytes",
            sw.ms,
        )
    media = sniff(bytes(file))
    if media is None:
        return error_result(
            CHECK_NAME,
            codes.POA_UNSUPPORTED_FORMAT,
            "not a PDF, JPEG, PNG, WebP or TIFF file",
            sw.ms,
        )
    read = (
        _read_pdf(bytes(file), params)
        if media == Media.pdf
        else _read_image(bytes(file), media, params)
    )
    if sum(len(s.text) for s in read.segments) < 20:
        return error_result(
            CHECK_NAME, codes.POA_UNREADABLE, "no readable text was found on the document", sw.ms
        )

    today = ctx.today() if ctx is not None else date.today()
    name_source = "expected"
    not_evaluated: list[str] = []
    if not expected_name and ctx is not None:
        try:
            expected_name = ctx.document_name()
            name_source = "id_document"
        except Exception:  # noqa: BLE001 - a failing lookup skips the rule
            log.warning("document_name lookup failed")
            expected_name = None
    elif not expected_name:
        not_evaluated.append("id_document_name (no context)")

    ex = extract(
        read.segments, today=today, hint=params.country_hint, extra_issuers=params.known_issuers
    )
    if ex.issue_date is None and ex.address is None and ex.holder_name is None:
        return error_result(
            CHECK_NAME,
            codes.POA_UNREADABLE,
            "no date, name or address could be read from the document",
            sw.ms,
        )

    # tamper signals that need the extracted key lines
    signals = list(read.signals)
    key = _key_with_overlaps(ex, read.segments)
    key["amount"] = _amount_segments(read.segments)
    models = list(read.models)
    if read.text_segments:
        signals += pdf_sig.font_signals(read.text_segments, key)
        first = read.pdf_pages[0] if read.pdf_pages else None
        if read.ocr_segments:
            sigs, _stats = compare_layers(read.text_segments, read.ocr_segments, key)
            signals += sigs
        elif params.compare_render_with_ocr and first is not None and first.image is not None:
            try:
                eng = _ocr()
            except _OcrFailed:
                # a text PDF is still checked; only the render comparison is skipped
                not_evaluated.append("text_render_comparison (OCR unavailable)")
            else:
                sigs, _stats = compare_boxes(read.text_segments, first.image, eng, key, first.index)
                signals += sigs
                models = eng.models
        else:
            not_evaluated.append("text_render_comparison (disabled)")
    else:
        not_evaluated.append("text_layer_checks (no text layer)")
    tamper_score = combine(signals)

    rules = evaluate(ex, params, today, expected_name, name_source, expected_address)
    warnings: list[CheckWarning] = list(rules.warnings)
    suspected = tamper_score >= params.tamper_threshold
    if suspected:
        warnings.append(
            CheckWarning(
                code=codes.POA_SUSPECTED_MANIPULATION,
                severity=Severity.error,
                message="signs of editing: " + ", ".join(sorted({s.code for s in signals})),
            )
        )
    elif signals:
        warnings.append(
            CheckWarning(
                code=codes.POA_SUSPECTED_MANIPULATION,
                severity=Severity.info,
                message="weak signs of editing below the threshold: "
                + ", ".join(sorted({s.code for s in signals})),
            )
        )
    ocr_confs = [s.conf for s in read.segments if s.source == "ocr"]
    if ocr_confs and sum(ocr_confs) / len(ocr_confs) < 0.8:
        warnings.append(
            CheckWarning(
                code=codes.POA_LOW_OCR_CONFIDENCE,
                severity=Severity.warning,
                message="the document was read with low confidence",
            )
        )

    status = status_of(warnings)
    field_conf = [f.confidence for f in (ex.issue_date, ex.holder_name) if f is not None]
    base = min(rules.scores) if rules.scores else (min(field_conf) if field_conf else 0.5)
    score = round(max(0.0, base * (1.0 - tamper_score)), 3)

    data = {
        "document": {
            "type": ex.doc_type.dump(),
            "issuer": {
                "value": ex.issuer.name,
                "known": ex.issuer.known,
                "country": ex.issuer.country,
                "confidence": ex.issuer.confidence,
            },
            "issue_date": ex.issue_date.dump() if ex.issue_date else None,
            "holder_name": ex.holder_name.dump() if ex.holder_name else None,
            "address": (
                {**ex.address.as_dict(), "confidence": round(ex.address_conf, 3)}
                if ex.address
                else None
            ),
            "account_references": ex.account_refs,
            "country": ex.country,
        },
        "rules": [o.dump() for o in rules.outcomes],
        "rules_not_evaluated": rules.not_evaluated + not_evaluated,
        "tamper": {
            "score": tamper_score,
            "threshold": params.tamper_threshold,
            "suspected": suspected,
            "signals": [s.dump() for s in signals],
        },
        "reading": {
            "source": read.source,
            "lines": len(group_rows(read.segments)),
            "ocr_mean_confidence": round(sum(ocr_confs) / len(ocr_confs), 3) if ocr_confs else None,
            **read.info,
        },
        "dates_seen": ex.dates_seen,
    }
    return CheckResult(
        check=CHECK_NAME,
        status=status,
        score=score,
        warnings=warnings,
        data=data,
        duration_ms=sw.ms,
        model=models,
    )
