"""The `id_document` check: read a document's front (and back), cross-check, apply rules.

Entry points: `run_id_document(front, back, params, ctx)` -> CheckResult, and
`extract_portrait(front)` -> JPEG bytes of the holder's portrait (for the face engine).
`load()` / `warm_up()` prepare the models once per process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import cv2
import numpy as np

from shared.blocklist.document_numbers import document_hash, number_only_hash
from shared.checks.result import CheckResult, CheckStatus, CheckWarning, ModelInfo, error_result
from shared.documents import codes, deblur, forensics
from shared.documents import ocr as ocr_mod
from shared.documents import portrait as portrait_mod
from shared.documents import viz as viz_mod
from shared.documents.aamva import AamvaError, AamvaRecord, parse_aamva
from shared.documents.barcode import Barcode, barcode_regions, read_barcodes
from shared.documents.barcode import version as zxing_version
from shared.documents.detect import Detection, detect_document
from shared.documents.fillers import settle_fillers
from shared.documents.image_io import ImageInputError, decode_image
from shared.documents.mrz import MrzError, MrzResult, Repair, parse_mrz, repair_with_reading
from shared.documents.params import DocumentContext, IdDocumentParams
from shared.documents.quality import DocumentQuality, measure
from shared.documents.reader import (
    PageRead,
    good_enough,
    quality_key,
    read_anywhere,
    read_everything,
    read_other_text,
    read_page,
    reread_name_line,
)
from shared.documents.viz import FIELDS, agrees, compare, field_boxes, name_key, normalise

log = logging.getLogger(__name__)

STRONG = ("document_number", "date_of_birth", "surname")


def load() -> None:
    ocr_mod.load()
    portrait_mod.load()
    viz_mod.load()


def warm_up() -> None:
    """Load the models before readiness. No OCR inference is run: measured, PP-OCR's first
    run costs the same CPU time as its later ones (about 190 ms here), so it only delayed
    readiness. The barcode reader's library is loaded by one tiny read."""
    load()
    read_barcodes([np.full((64, 64), 255, np.uint8)])


@dataclass
class Side:
    name: str
    image: np.ndarray
    fmt: str
    detection: Detection
    page: PageRead
    quality: DocumentQuality
    barcodes: list[Barcode] = field(default_factory=list)
    aamva: AamvaRecord | None = None
    viz: dict[str, tuple[str, float]] = field(default_factory=dict)
    face: tuple[int, int, int, int] | None = None

    @property
    def mrz(self) -> MrzResult | None:
        return self.page.mrz


def _process_side(
    name: str,
    img: np.ndarray,
    fmt: str,
    engine: ocr_mod.CardOcr,
    today: date,
    timings: dict[str, float],
) -> Side:
    t = time.perf_counter()
    det = detect_document(img)
    timings[f"{name}_detect"] = _ms(t)
    # 1. a quick barcode look on the flat document: a licence back needs no OCR at all
    t = time.perf_counter()
    grey = cv2.cvtColor(det.document, cv2.COLOR_BGR2GRAY)
    barcodes = read_barcodes([grey])
    aamva = _aamva(barcodes)
    timings[f"{name}_barcode"] = _ms(t)
    if aamva is not None:
        page = PageRead(document=det.document, rotated_180=False, boxes=[], all_read=True)
    else:
        # 2. the MRZ (text detection + recognition of its rows only)
        t = time.perf_counter()
        page = read_page(det.document, engine, today=today)
        timings[f"{name}_ocr_mrz"] = _ms(t)
        look, look_det = img, det  # the photo the searches below look at
        if not good_enough(page.mrz):
            # a photo smeared by a moving hand: its blur is undone first, and the searches
            # below look at the restored photo (they read blurred text poorly and slowly)
            t = time.perf_counter()
            restored = deblur.restore(img)
            if restored is not None:
                look, motion = restored
                log.info("motion blur %.0f px at %.0f deg", motion.length, motion.angle)
                look_det = detect_document(look)
                again = read_page(look_det.document, engine, today=today)
                if quality_key(again.mrz) > quality_key(page.mrz):
                    page = again
                timings[f"{name}_deblur"] = _ms(t)
        if not good_enough(page.mrz):
            # the MRZ found by what it is, anywhere, at any angle: on the flat document,
            # then on the whole photo (the outline may be wrong or missing)
            t = time.perf_counter()
            page = read_anywhere(
                [look_det.document, look] if look_det.detected else [look],
                engine,
                page,
                today=today,
            )
            timings[f"{name}_ocr_mrz_search"] = _ms(t)
        if page.mrz is None:
            # 3. harder barcode search (whole photo, straightened dense regions), then
            #    recognition of every text box
            t = time.perf_counter()
            full = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            barcodes = barcodes or read_barcodes(
                [full, *barcode_regions(full), *barcode_regions(grey)]
            )
            aamva = _aamva(barcodes)
            timings[f"{name}_barcode"] += _ms(t)
            if aamva is None:
                t = time.perf_counter()
                page = read_everything(page, engine, today=today)
                timings[f"{name}_ocr_all"] = _ms(t)
        if page.mrz is not None:
            # 4. look-alike letters in the name that have the filler's shape are fillers
            t = time.perf_counter()
            settled = settle_fillers(page.document, page.mrz, page.mrz_rows, engine, today)
            if settled is not None:
                page.mrz = settled
            timings[f"{name}_fillers"] = _ms(t)
    q = measure(
        img,
        page.document,
        detected=det.detected,
        in_frame=det.in_frame,
        source_width_px=det.source_width_px,
    )
    if page.mrz is not None:  # the MRZ spans about 0.9 of the document's width
        q.mrz_char_px = round(0.9 * det.source_width_px / len(page.mrz.lines[0]), 1)
    side = Side(name, img, fmt, det, page, q, barcodes=barcodes, aamva=aamva)
    return side


def _reread_names(
    mrz: MrzResult, side: Side, viz_surname: str, engine: ocr_mod.CardOcr
) -> MrzResult | None:
    """When the MRZ surname differs from the printed one, read the MRZ name line again on
    a tighter crop; the new reading is used only if it agrees with the printed surname."""
    if name_key(mrz.surname, icao=True) == name_key(viz_surname, icao=True):
        return None
    line = reread_name_line(side.page, engine)
    if not line:
        return None
    idx = 2 if mrz.format == "TD1" else 0
    lines = list(mrz.lines)
    lines[idx] = line
    try:
        again = parse_mrz(lines, fmt=mrz.format)
    except MrzError:
        return None
    if name_key(again.surname, icao=True) != name_key(viz_surname, icao=True):
        return None
    if sum(c.valid for c in again.checks) < sum(c.valid for c in mrz.checks):
        return None
    again.repairs = [
        *mrz.repairs,
        *again.repairs,
        Repair(
            field="name",
            before=mrz.lines[idx],
            after=again.lines[idx],
            reason="second reading agrees with visual zone",
        ),
    ]
    again.ocr_lines = mrz.ocr_lines
    return again


def _aamva(barcodes: list[Barcode]) -> AamvaRecord | None:
    for bc in barcodes:
        if bc.format == "PDF417":
            try:
                return parse_aamva(bc.raw)
            except AamvaError as exc:
                log.info("PDF417 is not AAMVA: %s", exc)
    return None


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000.0, 1)


def _doc_type_from_mrz(mrz: MrzResult) -> str:
    c = mrz.document_type[:1]
    return {"P": "passport", "V": "visa", "I": "id_card", "A": "id_card", "C": "id_card"}.get(
        c, "unknown"
    )


def _mrz_fields(mrz: MrzResult, conf: float) -> dict[str, Any]:
    c = round(0.99 if mrz.checks_valid else 0.5 * conf, 3)
    out = {}
    for k in FIELDS[1:]:
        v = getattr(mrz, k)
        if v:
            # names are not covered by check digits: their confidence is the OCR's
            fc = round(conf, 3) if k in ("surname", "given_names") else c
            out[k] = {"value": v, "source": "mrz", "confidence": fc}
    out["document_type"] = {"value": _doc_type_from_mrz(mrz), "source": "mrz", "confidence": c}
    return out


def _barcode_fields(rec: AamvaRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "document_type": "driving_licence" if rec.subfile_type == "DL" else "id_card",
        "issuing_country": rec.country or "USA",
        "document_number": rec.document_number,
        "surname": rec.surname.upper(),
        "given_names": rec.given_names.upper(),
        "date_of_birth": rec.date_of_birth,
        "sex": rec.sex,
        "expiry_date": rec.expiry_date,
    }
    if rec.address:
        out["address"] = rec.address
    return {k: {"value": v, "source": "barcode", "confidence": 0.99} for k, v in out.items() if v}


def _viz_fields(viz: dict[str, tuple[str, float]]) -> dict[str, Any]:
    out = {}
    for k, (raw, conf) in viz.items():
        v = normalise(k, raw)
        if v:
            out[k] = {"value": v, "source": "viz", "confidence": round(0.9 * conf, 3)}
    return out


def _age(dob: str, today: date) -> int:
    d = date.fromisoformat(dob)
    return today.year - d.year - ((today.month, today.day) < (d.month, d.day))


class ContextFailure(RuntimeError):
    """A tenant-side lookup failed (database down...): not the user's fault, so it is raised
    to the caller (the function answers 5xx and the broker retries) instead of an error
    result."""


def _call(ctx: DocumentContext | None, method: str, *args: Any) -> tuple[bool, Any]:
    fn = getattr(ctx, method, None) if ctx is not None else None
    if fn is None:
        return False, None
    try:
        return True, fn(*args)
    except Exception as exc:
        raise ContextFailure(f"context.{method} failed") from exc


def _warn(code: str, message: str) -> CheckWarning:
    return CheckWarning(code=code, severity=codes.SEVERITY[code], message=message)


def run_id_document(
    front: bytes,
    back: bytes | None,
    params: IdDocumentParams | None = None,
    ctx: DocumentContext | None = None,
) -> CheckResult:
    t0 = time.perf_counter()
    try:
        return _run(front, back, params or IdDocumentParams(), ctx, t0)
    except ImageInputError as exc:
        return error_result(codes.CHECK_NAME, exc.code, exc.message, _ms(t0))
    except ocr_mod.ModelUnavailable as exc:
        return error_result(codes.CHECK_NAME, codes.MODEL_UNAVAILABLE, str(exc), _ms(t0))
    except ContextFailure:
        raise
    except Exception:  # never let user input crash the caller
        log.exception("id_document failed")
        return error_result(
            codes.CHECK_NAME, codes.INTERNAL_ERROR, "document could not be processed", _ms(t0)
        )


def _run(
    front: bytes,
    back: bytes | None,
    params: IdDocumentParams,
    ctx: DocumentContext | None,
    t0: float,
) -> CheckResult:
    ok, today = _call(ctx, "today")
    today = today if ok and today else date.today()
    # validate every input before any model runs
    timings: dict[str, float] = {}
    t = time.perf_counter()
    decoded = [("front", *decode_image(front, "front"))]
    if back is not None:
        decoded.append(("back", *decode_image(back, "back")))
    timings["decode"] = _ms(t)
    engine = ocr_mod.get_engine()
    _, haar = portrait_mod.load()
    sides = [_process_side(n, img, fmt, engine, today, timings) for n, img, fmt in decoded]
    fr = sides[0]
    bk = sides[1] if len(sides) > 1 else None

    warnings: list[CheckWarning] = []
    not_evaluated: list[dict[str, str]] = []
    evaluated: list[str] = []

    for s in sides:
        for code in s.quality.warnings(params.quality):
            warnings.append(_warn(code, f"{s.name}: {code.lower().replace('_', ' ')}"))

    # portrait: on the front (also for TD1 cards); on the back if the sides were swapped
    t = time.perf_counter()
    face_side = fr
    fr.face = portrait_mod.find_portrait(fr.page.document)
    if fr.face is None and bk is not None and bk.aamva is None:
        bk.face = portrait_mod.find_portrait(bk.page.document)
        face_side = bk if bk.face is not None else fr
    timings["portrait"] = _ms(t)
    portrait_data: dict[str, Any] = {"detected": face_side.face is not None}
    if face_side.face is not None:
        portrait_data["box"] = list(face_side.face)
        portrait_data["side"] = face_side.name
        jpeg = portrait_mod.crop_portrait(face_side.page.document, face_side.face)
        stored, art = _call(ctx, "store_portrait", jpeg)
        if stored:
            portrait_data["artifact_id"] = art
        else:
            not_evaluated.append({"rule": "store_portrait", "reason": "no context"})
    elif params.require_portrait:
        warnings.append(_warn(codes.PORTRAIT_NOT_DETECTED, "no portrait found on the document"))

    # visual fraud cues on the side with the portrait (evidence kept whether or not they fire)
    t = time.perf_counter()
    findings = forensics.examine(face_side.page.document, face_side.face)
    for f in findings:
        if f.fired:
            warnings.append(_warn(f.code, f"{face_side.name}: {f.evidence}"))
    timings["forensics"] = _ms(t)

    # visual zone (front)
    if params.check_viz:
        t = time.perf_counter()
        vboxes = field_boxes(read_other_text(fr.page, engine))
        fr.viz = {k: (b.text.strip(), b.score) for k, b in vboxes.items()}
        timings["ocr_viz"] = _ms(t)
        font = forensics.font_consistency(
            fr.page.document, {k: b.box for k, b in vboxes.items() if len(b.text.strip()) >= 3}
        )
        if font is not None:
            findings.append(font)
            if font.fired:
                warnings.append(_warn(font.code, f"{fr.name}: {font.evidence}"))

    # MRZ
    # the side with the best MRZ reading (a card's printed labels can pass for a poor one)
    mrz_side = max(
        (s for s in sides if s.mrz is not None), key=lambda s: quality_key(s.mrz), default=None
    )
    mrz = mrz_side.mrz if mrz_side else None
    if mrz is not None and mrz_side is not None and "document_number" in fr.viz:
        fixed = repair_with_reading(mrz, "document_number", fr.viz["document_number"][0])
        if fixed is not None:
            mrz = mrz_side.page.mrz = fixed
    if mrz is not None and mrz_side is not None and "surname" in fr.viz:
        fixed = _reread_names(mrz, mrz_side, fr.viz["surname"][0], engine)
        if fixed is not None:
            mrz = mrz_side.page.mrz = fixed
    if mrz is not None:
        if not mrz.checks_valid:
            bad = ", ".join(c.name for c in mrz.checks if not c.valid)
            warnings.append(_warn(codes.MRZ_CHECKSUM_FAILED, f"check digits fail: {bad}"))
        if mrz.repairs:
            warnings.append(_warn(codes.MRZ_REPAIRED, f"{len(mrz.repairs)} OCR repair(s)"))
    # barcodes
    aamva_side = next((s for s in sides if s.aamva is not None), None)
    aamva = aamva_side.aamva if aamva_side else None
    qr = [b for s in sides for b in s.barcodes if b.format == "QR"]
    if qr:
        warnings.append(_warn(codes.QR_CODE_FOUND, f"{len(qr)} QR code(s) decoded"))
    if bk is not None and mrz_side is not bk and aamva is None and not bk.barcodes:
        warnings.append(_warn(codes.BARCODE_NOT_READ, "no barcode or MRZ read on the back"))
    if mrz is None and (params.require_mrz or aamva is None):
        warnings.append(_warn(codes.MRZ_NOT_FOUND, "no machine-readable zone found"))

    # merge: MRZ, then barcode, then VIZ fill the gaps
    fields: dict[str, Any] = {}
    mrz_f = _mrz_fields(mrz, mrz_side.page.mrz_confidence) if mrz and mrz_side else {}
    bc_f = _barcode_fields(aamva) if aamva else {}
    viz_f = _viz_fields(fr.viz)
    for src in (mrz_f, bc_f, viz_f):
        for k, v in src.items():
            fields.setdefault(k, v)

    # cross-checks
    primary, primary_name, primary_side = (
        (mrz_f, "mrz", mrz_side) if mrz_f else (bc_f, "barcode", aamva_side)
    )
    # each printed text against the primary source's value (the nationality on its whole
    # text: a printed country name is no code)
    diffs = [
        k
        for k, (raw, _) in fr.viz.items()
        if k in primary and not agrees(k, raw, str(primary[k]["value"]))
    ]
    if mrz_f and bc_f:
        diffs += [
            k
            for k in ("document_number", "date_of_birth", "expiry_date", "surname")
            if k in mrz_f
            and k in bc_f
            and not compare(k, str(bc_f[k]["value"]), str(mrz_f[k]["value"]))
        ]
    strong = [k for k in diffs if k in STRONG]
    if diffs and primary_side is bk and bk is not None and len(strong) >= 2:
        warnings.append(
            _warn(
                codes.DOCUMENT_SIDES_MISMATCH,
                f"front and back disagree on {', '.join(sorted(set(diffs)))}",
            )
        )
    elif diffs:
        code = (
            codes.MRZ_AND_VIZ_MISMATCH
            if primary_name == "mrz"
            else codes.BARCODE_AND_FRONT_MISMATCH
        )
        warnings.append(_warn(code, f"fields differ: {', '.join(sorted(set(diffs)))}"))
    if bk is not None:
        evaluated.append("sides_match")
    if not fields or ("document_number" not in fields and "surname" not in fields):
        warnings.append(_warn(codes.NO_DOCUMENT_DATA, "no document data could be read"))

    # rules
    dtype = fields.get("document_type", {}).get("value", "unknown")
    country = fields.get("issuing_country", {}).get("value", "")
    exp = fields.get("expiry_date", {}).get("value")
    dob = fields.get("date_of_birth", {}).get("value")
    if params.reject_expired:
        if exp:
            evaluated.append("expiry")
            if date.fromisoformat(exp) < today:
                warnings.append(_warn(codes.DOCUMENT_EXPIRED, f"expired on {exp}"))
        else:
            not_evaluated.append({"rule": "expiry", "reason": "no expiry date read"})
    age = _age(dob, today) if dob else None
    if params.min_age is not None:
        if age is not None:
            evaluated.append("min_age")
            if age < params.min_age:
                warnings.append(_warn(codes.MINIMUM_AGE_NOT_MET, f"age {age} < {params.min_age}"))
        else:
            not_evaluated.append({"rule": "min_age", "reason": "no date of birth read"})
    if params.accepted_document_types is not None:
        evaluated.append("accepted_document_types")
        if dtype not in params.accepted_document_types:
            warnings.append(_warn(codes.DOCUMENT_TYPE_NOT_ACCEPTED, f"{dtype} is not accepted"))
    if params.accepted_countries is not None:
        evaluated.append("accepted_countries")
        if country not in params.accepted_countries:
            warnings.append(
                _warn(codes.COUNTRY_NOT_ACCEPTED, f"{country or 'unknown'} is not accepted")
            )
    number = fields.get("document_number", {}).get("value")
    number_hash = document_hash(country, dtype, number) if number else None
    for rule, enabled, method in (
        ("blocklist", params.check_blocklist, "is_blocklisted_document"),
        ("duplicate", params.check_duplicates, "sessions_with_document"),
    ):
        if not enabled:
            continue
        if number_hash is None:
            not_evaluated.append({"rule": rule, "reason": "no document number read"})
            continue
        called, answer = _call(ctx, method, number_hash)
        if called and rule == "blocklist" and not answer and number:
            # entries added by plain number (no country/type known) use the loose fingerprint
            called, answer = _call(ctx, method, number_only_hash(number))
        if not called:
            not_evaluated.append({"rule": rule, "reason": "no context"})
            continue
        evaluated.append(rule)
        if rule == "blocklist" and answer:
            warnings.append(_warn(codes.IN_BLOCKLIST, "document number is blocklisted"))
        if rule == "duplicate" and answer:
            warnings.append(
                _warn(
                    codes.POSSIBLE_DUPLICATE_USER,
                    f"document used in {len(answer)} other session(s)",
                )
            )

    # status and score
    codes_found = {w.code for w in warnings}
    if codes_found & codes.FAILING:
        status = CheckStatus.failed
    elif any(w.severity.value == "warning" for w in warnings):
        status = CheckStatus.warning
    else:
        status = CheckStatus.passed
    key = [fields[k]["confidence"] for k in STRONG + ("expiry_date",) if k in fields]
    score = round(float(np.mean(key)), 3) if key else 0.0

    data: dict[str, Any] = {
        "document_type": dtype,
        "mrz": mrz.public() | {"side": mrz_side.name} if mrz and mrz_side else None,
        "fields": fields,
        "barcode": (
            aamva.public() | {"format": "PDF417", "standard": "AAMVA", "side": aamva_side.name}
        )
        if aamva and aamva_side
        else None,
        "qr_codes": [b.text for b in qr],
        "viz": {k: v[0] for k, v in fr.viz.items()},
        "quality": {s.name: s.quality.model_dump() for s in sides},
        "portrait": portrait_data,
        "forensics": {"side": face_side.name, "cues": [f.model_dump() for f in findings]},
        "age": age,
        "document_number_hash": number_hash,
        "document_number_hash_loose": number_only_hash(number) if number else None,
        "rules": {"evaluated": evaluated, "not_evaluated": not_evaluated},
        "sides": {
            s.name: {
                "format": s.fmt,
                "rotated_180": s.page.rotated_180,
                "mrz": s.mrz is not None,
                "barcodes": len(s.barcodes),
            }
            for s in sides
        },
        "timings_ms": timings,
    }
    models = list(engine.models) + [haar, ModelInfo(name="zxing-cpp", version=zxing_version())]
    return CheckResult(
        check=codes.CHECK_NAME,
        status=status,
        score=score,
        warnings=warnings,
        data=data,
        duration_ms=_ms(t0),
        model=models,
    )


def extract_portrait(front: bytes) -> bytes | None:
    """JPEG bytes of the holder's portrait on a document front, or None (for face_match)."""
    img, _ = decode_image(front, "front")
    det = detect_document(img)
    doc = det.document
    for candidate in (doc, cv2.rotate(doc, cv2.ROTATE_180)):
        face = portrait_mod.find_portrait(candidate)
        if face is not None:
            return portrait_mod.crop_portrait(candidate, face)
    return None
