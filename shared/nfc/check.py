"""The `nfc` check: parse the chip files, Passive + Active Authentication, cross-checks."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity, error_result
from shared.checks.result import stopwatch as _stopwatch
from shared.nfc import codes, lds, tlv
from shared.nfc.aa import verify_aa
from shared.nfc.dg2 import decode_image, face_jpeg, parse_dg2
from shared.nfc.errors import NfcError
from shared.nfc.pa import passive_authentication
from shared.nfc.sod import parse_sod
from shared.nfc.trust import TrustStore

log = logging.getLogger(__name__)
CHECK = "nfc"

# Assurance levels.
PA_AA = "pa_aa"
PA = "pa"
FAILED = "failed"


class NfcParams(BaseModel):
    """Workflow step parameters of the `nfc` check."""

    model_config = ConfigDict(extra="forbid")

    require_aa: bool = False  # fail when the chip cannot prove it holds the DG15 key
    require_crl: bool = False  # fail when no CRL of the CSCA is in the trust store
    check_country: bool = True  # DG1 issuing state vs DSC / CSCA country
    check_expiry: bool = True  # NFC_DOCUMENT_EXPIRED when DG1's expiry date has passed
    minimum_age: int | None = Field(default=None, ge=0, le=150)
    require_face: bool = True  # DG2 must be present and decodable
    mrz_fields: list[str] = Field(
        default_factory=lambda: [
            "document_number",
            "date_of_birth",
            "expiry_date",
            "issuing_country",
        ]
    )


class AaResponse(BaseModel):
    """The chip's answer to INTERNAL AUTHENTICATE with a nonce issued by the platform."""

    nonce: bytes = Field(min_length=8, max_length=64)
    signature: bytes = Field(min_length=1, max_length=1024)


@runtime_checkable
class NfcContext(Protocol):
    def consume_nonce(self, nonce: bytes) -> bool:
        """True once for a nonce issued for this session (then it is spent)."""
        ...

    def document_mrz(self) -> dict | None:
        """The MRZ fields `id_document` read from the document photo, if any."""
        ...

    def face_match(self, dg2_jpeg: bytes) -> CheckResult | None:
        """Compare the chip portrait with the session's selfie, if there is one."""
        ...

    def today(self) -> dt.date: ...


_warm = False


def warm_up() -> None:
    """Load the image decoders (Pillow JPEG / JPEG 2000, OpenCV) once, before readiness.

    The check has no model weights; this only moves decoder imports and their first use out
    of the first request. Safe to call more than once.
    """
    global _warm
    if _warm:
        return
    import io

    import cv2  # noqa: F401 - imported for its side effect of loading the fallback decoder
    from PIL import Image

    for fmt in ("JPEG", "JPEG2000"):
        buf = io.BytesIO()
        Image.new("RGB", (16, 16), (128, 64, 32)).save(buf, format=fmt)
        Image.open(io.BytesIO(buf.getvalue())).load()
    _warm = True


load = warm_up


def dg2_face_jpeg(dg2: bytes) -> bytes:
    """The DG2 portrait as JPEG bytes (raises NfcError on malformed DG2)."""
    return face_jpeg(dg2)


class _Result:
    def __init__(self) -> None:
        self.warnings: list[CheckWarning] = []
        self.failed = False
        self.not_evaluated: list[str] = []

    def add(self, code: str, message: str, severity: Severity = Severity.warning) -> None:
        self.warnings.append(CheckWarning(code=code, severity=severity, message=message))
        if severity == Severity.error:
            self.failed = True


def _normalize(files: dict[str, bytes], res: _Result) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for name, data in files.items():
        key = lds.normalize_name(name)
        if key is None:
            res.add(codes.NFC_UNKNOWN_FILE, f"ignored file {name!r}", Severity.info)
            continue
        out[key] = bytes(data)
    return out


def _age(dob: str, today: dt.date) -> int:
    born = dt.date.fromisoformat(dob)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _norm(value: Any) -> str:
    return "".join(str(value or "").upper().replace("<", " ").split())


def run_nfc(
    files: dict[str, bytes],
    params: NfcParams | None = None,
    ctx: NfcContext | None = None,
    trust_store: TrustStore | None = None,
    aa: AaResponse | None = None,
) -> CheckResult:
    params = params or NfcParams()
    with _stopwatch() as sw:
        try:
            return _run(files, params, ctx, trust_store, aa, sw)
        except NfcError as exc:  # anything a parser raised that was not handled per file
            return error_result(CHECK, exc.code, exc.message, sw.ms)
        except Exception as exc:  # noqa: BLE001 - the contract: never an exception to the caller
            # Type and frames only: exception messages may quote chip bytes (personal data).
            where = traceback.extract_tb(exc.__traceback__)[-3:]
            log.error(
                "nfc check crashed: %s at %s",
                type(exc).__name__,
                " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in where),
            )
            return error_result(
                CHECK, codes.NFC_MALFORMED_FILE, "chip data could not be processed", sw.ms
            )


def _run(files, params, ctx, trust_store, aa, sw) -> CheckResult:
    res = _Result()
    today = ctx.today() if ctx is not None else dt.date.today()
    now = dt.datetime.combine(today, dt.datetime.now(dt.UTC).time(), dt.UTC)
    files = _normalize(files, res)
    data: dict[str, Any] = {"files": {k: {"bytes": len(v)} for k, v in sorted(files.items())}}

    if "SOD" not in files:
        return error_result(CHECK, codes.NFC_SOD_MISSING, "EF.SOD was not received", sw.ms)
    if "DG1" not in files:
        return error_result(CHECK, codes.NFC_DG1_MISSING, "DG1 (MRZ) was not received", sw.ms)
    try:
        sod = parse_sod(files["SOD"])
    except NfcError as exc:
        return error_result(CHECK, exc.code, f"EF.SOD: {exc.message}", sw.ms)
    try:
        mrz = lds.parse_dg1(files["DG1"], today)
    except NfcError as exc:
        return error_result(CHECK, exc.code, f"DG1: {exc.message}", sw.ms)
    data["mrz"] = mrz
    data["lds"] = {
        "hash_algorithm": sod.hash_algorithm,
        "signed_data_groups": sorted(f"DG{n}" for n in sod.dg_hashes),
    }

    # EF.COM is informative only (unsigned): report it, never trust it.
    if "COM" in files:
        try:
            data["ef_com"] = lds.parse_com(files["COM"]).to_dict()
        except NfcError as exc:
            res.add(exc.code, f"EF.COM: {exc.message}", Severity.info)

    # The bytes that are hashed: the outer TLV of each data group.
    groups: dict[str, bytes] = {}
    parsed_ok: dict[str, bool] = {}
    for name, raw in files.items():
        if not name.startswith("DG"):
            continue
        try:
            groups[name] = tlv.parse_file(raw, lds.FILE_TAGS[name]).raw
            parsed_ok[name] = True
        except NfcError as exc:
            groups[name] = raw
            parsed_ok[name] = False
            res.add(exc.code, f"{name}: {exc.message}", Severity.error)

    pa = passive_authentication(
        sod,
        groups,
        mrz.get("issuing_country"),
        trust_store,
        now,
        require_crl=params.require_crl,
        check_country_rule=params.check_country,
    )
    res.warnings.extend(pa.warnings)
    res.failed |= pa.failed
    data["passive_authentication"] = {"passed": not pa.failed, "steps": pa.steps}
    data["dsc"], data["csca"] = pa.dsc, pa.csca
    data["trust_store_version"] = trust_store.version() if trust_store is not None else None
    trusted = pa.verified_groups  # only groups the signed SOD vouches for are used below

    def usable(name: str) -> bool:
        return name in trusted and parsed_ok.get(name, False)

    # Optional groups: parsed for their fields; a signed but unparseable group was reported.
    dg14 = None
    for name, parser, key in (
        ("DG11", lds.parse_dg11, "dg11"),
        ("DG12", lds.parse_dg12, "dg12"),
        ("DG14", lds.parse_dg14, "dg14"),
    ):
        if usable(name):
            try:
                value = parser(files[name])
            except NfcError as exc:
                res.add(exc.code, f"{name}: {exc.message}", Severity.error)
                continue
            if name == "DG14":
                dg14 = value
                value = {
                    "protocols": value.protocols,
                    "aa_signature_algorithm": value.aa_signature_algorithm,
                    "aa_hash": value.aa_signature_hash,
                }
            data[key] = value

    aa_failed = _active_authentication(files, sod, usable, dg14, aa, ctx, params, res, data)
    _face(files, usable, ctx, params, res, data)
    _cross_checks(mrz, data, today, ctx, params, res)

    if pa.failed or aa_failed:
        assurance = FAILED
    elif data["active_authentication"]["outcome"] == "passed":
        assurance = PA_AA
    else:
        assurance = PA
    data["assurance"] = assurance
    data["not_evaluated"] = res.not_evaluated
    if res.failed or assurance == FAILED:
        status = CheckStatus.failed
    elif any(w.severity == Severity.warning for w in res.warnings):
        status = CheckStatus.warning
    else:
        status = CheckStatus.passed
    return CheckResult(
        check=CHECK, status=status, warnings=res.warnings, data=data, duration_ms=sw.ms
    )


def _active_authentication(files, sod, usable, dg14, aa, ctx, params, res, data) -> bool:
    """Returns True when AA positively failed (bad signature or replayed nonce)."""
    sod_has_dg15 = 15 in sod.dg_hashes
    out: dict[str, Any] = {"outcome": "not_performed", "sod_covers_dg15": sod_has_dg15}
    data["active_authentication"] = out
    clone_message = "the SOD covers an AA key (DG15) but the chip did not prove it holds it"
    if not sod_has_dg15:
        out["detail"] = "the chip has no AA key (no DG15 in the SOD)"
        res.add(codes.NFC_AA_NOT_SUPPORTED, out["detail"], Severity.info)
        if params.require_aa:
            res.add(codes.NFC_AA_MISSING, "the step requires Active Authentication", Severity.error)
        return False
    if aa is None or not usable("DG15"):
        out["detail"] = "no AA response" if aa is None else "DG15 missing or not verified"
        res.add(
            codes.NFC_AA_MISSING,
            out["detail"],
            Severity.error if params.require_aa else Severity.warning,
        )
        res.add(
            codes.NFC_CHIP_MAY_BE_CLONED,
            clone_message,
            Severity.error if params.require_aa else Severity.warning,
        )
        return False
    if ctx is None:
        res.not_evaluated.append("aa_nonce_single_use")
    elif not ctx.consume_nonce(aa.nonce):
        out.update(outcome="failed", detail="nonce not issued for this session or already used")
        res.add(codes.NFC_AA_NONCE_REPLAYED, out["detail"], Severity.error)
        res.add(
            codes.NFC_AA_FAILED, "Active Authentication rejected: nonce replayed", Severity.error
        )
        return True
    try:
        key = lds.parse_dg15(files["DG15"])
    except NfcError as exc:
        res.add(exc.code, f"DG15: {exc.message}", Severity.error)
        out.update(outcome="failed", detail="DG15 key unreadable")
        return True
    result = verify_aa(key, aa.nonce, aa.signature, dg14.aa_signature_hash if dg14 else None)
    out.update(scheme=result.scheme, hash_algorithm=result.hash_algorithm, detail=result.detail)
    if result.ok:
        out["outcome"] = "passed"
        return False
    out["outcome"] = "failed"
    res.add(codes.NFC_AA_FAILED, f"chip signature invalid: {result.detail}", Severity.error)
    res.add(codes.NFC_CHIP_MAY_BE_CLONED, clone_message, Severity.error)
    return True


def _face(files, usable, ctx, params, res, data) -> None:
    if "DG2" not in files:
        if params.require_face:
            res.add(codes.NFC_DG2_MISSING, "DG2 (portrait) was not received", Severity.error)
        return
    if not usable("DG2"):
        return  # already reported by PA (hash) or parsing
    try:
        faces = parse_dg2(files["DG2"])
        image = decode_image(faces[0])
    except NfcError as exc:
        res.add(exc.code, f"DG2: {exc.message}", Severity.error)
        return
    data["face"] = {**faces[0].to_dict(), "decoded_size": list(image.size), "faces": len(faces)}
    if ctx is None:
        res.not_evaluated.append("face_match")
        return
    match = ctx.face_match(face_jpeg(files["DG2"]))
    if match is None:
        res.not_evaluated.append("face_match")
        return
    data["face_match"] = match.model_dump(mode="json")
    if match.status == CheckStatus.failed:
        res.add(
            codes.NFC_FACE_MISMATCH, "the chip portrait does not match the selfie", Severity.error
        )


def _cross_checks(mrz, data, today, ctx, params, res) -> None:
    if not mrz.get("checks_valid", False):
        bad = [k for k, ok in mrz.get("checks", {}).items() if not ok]
        res.add(codes.NFC_MRZ_CHECK_DIGIT_INVALID, f"DG1 check digits wrong: {', '.join(bad)}")
    expiry = mrz.get("expiry_date")
    if params.check_expiry and expiry and dt.date.fromisoformat(expiry) < today:
        res.add(codes.NFC_DOCUMENT_EXPIRED, f"document expired on {expiry}", Severity.error)
    if params.minimum_age is not None:
        dob = (data.get("dg11") or {}).get("full_date_of_birth") or mrz.get("date_of_birth")
        if dob is None:
            res.add(
                codes.MINIMUM_AGE_NOT_MET,
                "date of birth unknown: age cannot be proven",
                Severity.error,
            )
        else:
            age = _age(dob, today)
            data["age"] = age
            if age < params.minimum_age:
                res.add(
                    codes.MINIMUM_AGE_NOT_MET,
                    f"holder is {age}, minimum is {params.minimum_age}",
                    Severity.error,
                )
    if ctx is None:
        res.not_evaluated.append("mrz_match")
        return
    photo = ctx.document_mrz()
    if not photo:
        res.not_evaluated.append("mrz_match")
        return
    differing = [
        f for f in params.mrz_fields if f in photo and _norm(photo.get(f)) != _norm(mrz.get(f))
    ]
    data["mrz_match"] = {
        "compared": [f for f in params.mrz_fields if f in photo],
        "differing": differing,
    }
    if differing:
        res.add(
            codes.NFC_MRZ_MISMATCH,
            f"chip MRZ differs from the document photo in {', '.join(differing)}",
            Severity.error,
        )
