"""Entry points of the face checks: one `run_<check>` per check, each returns a CheckResult.

Bad input (undecodable image, missing model) gives status `error` with a code; never an
exception to the caller.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shared.checks.result import (
    CheckResult,
    CheckStatus,
    CheckWarning,
    Severity,
    Stopwatch,
    error_result,
)
from shared.faces import codes, models
from shared.faces.analysis import FaceAnalysis, NoFace, analyse_image
from shared.faces.calibration import cosine_for_score, similarity_score
from shared.faces.context import FaceContext, has
from shared.faces.image_io import BadImage, decode_image
from shared.faces.quality import QualityLimits

log = logging.getLogger(__name__)


class QualityParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_face_px: float = Field(60.0, ge=0)
    min_sharpness: float = Field(50.0, ge=0)
    min_brightness: float = Field(50.0, ge=0, le=255)
    max_brightness: float = Field(225.0, ge=0, le=255)
    max_yaw: float = Field(35.0, ge=0, le=90)
    max_pitch: float = Field(30.0, ge=0, le=90)
    max_roll: float = Field(30.0, ge=0, le=180)

    def limits(self) -> QualityLimits:
        return QualityLimits(**self.model_dump())


class FaceMatchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decline_threshold: float = Field(50.0, ge=0, le=100, description="similarity under this fails")
    review_threshold: float = Field(70.0, ge=0, le=100, description="similarity under this: review")
    quality: QualityParams = Field(default_factory=QualityParams)
    quality_issues_review: bool = Field(
        True, description="quality warnings turn a pass into warning"
    )


def _final_status(
    status: CheckStatus, warnings: list[CheckWarning], review_on_warn: bool
) -> CheckStatus:
    if status == CheckStatus.passed and review_on_warn and warnings:
        return CheckStatus.warning
    return status


def _no_face_result(
    check: str, exc: NoFace, sw: Stopwatch, model_keys: tuple[str, ...]
) -> CheckResult:
    return CheckResult(
        check=check,
        status=CheckStatus.failed,
        warnings=[
            CheckWarning(code=codes.NO_FACE_DETECTED, severity=Severity.error, message=str(exc))
        ],
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in model_keys],
    )


# What stops a face check before it can judge: a bad image, a missing model, no face.
FACE_FAILURES = (BadImage, models.ModelUnavailable, NoFace)


def _failure(check: str, exc: Exception, sw: Stopwatch, keys: tuple[str, ...]) -> CheckResult:
    """The result for one of FACE_FAILURES: `error` for what the user cannot fix by posing
    differently (unreadable image, missing model), `failed` with NO_FACE_DETECTED otherwise."""
    if isinstance(exc, BadImage):
        return error_result(check, codes.IMAGE_INVALID, str(exc), sw.ms)
    if isinstance(exc, models.ModelUnavailable):
        return error_result(check, codes.MODEL_UNAVAILABLE, str(exc), sw.ms)
    assert isinstance(exc, NoFace)
    return _no_face_result(check, exc, sw, keys)


def _graded(
    score: float,
    decline_threshold: float,
    review_threshold: float,
    failed: tuple[str, str],
    uncertain: tuple[str, str],
) -> tuple[CheckStatus, CheckWarning | None]:
    """A score against its two thresholds: under `decline_threshold` failed with the error
    code of `failed` (code, message), under `review_threshold` a warning with `uncertain`."""
    if score < decline_threshold:
        code, message = failed
        return CheckStatus.failed, CheckWarning(
            code=code, severity=Severity.error, message=message
        )
    if score < review_threshold:
        code, message = uncertain
        return CheckStatus.warning, CheckWarning(
            code=code, severity=Severity.warning, message=message
        )
    return CheckStatus.passed, None


def _decode(data: bytes, label: str) -> np.ndarray:
    try:
        return decode_image(data)
    except BadImage as exc:
        raise BadImage(f"{label}: {exc}") from exc


def run_face_match(
    image_a: bytes,
    image_b: bytes,
    params: FaceMatchParams | None = None,
    ctx: FaceContext | None = None,
) -> CheckResult:
    """1:1 match of the main face of two images (selfie vs document portrait, or any two)."""
    check = "face_match"
    params = params or FaceMatchParams()
    sw = Stopwatch()
    keys = ("yunet", "sface")
    try:
        img_a = _decode(image_a, "image 1")
        img_b = _decode(image_b, "image 2")
        limits = params.quality.limits()
        fa = analyse_image(img_a, limits, "image 1")
        fb = analyse_image(img_b, limits, "image 2")
    except FACE_FAILURES as exc:
        return _failure(check, exc, sw, keys)
    cos = float(np.dot(fa.embedding, fb.embedding))
    score = similarity_score(cos)
    status, graded = _graded(
        score,
        params.decline_threshold,
        params.review_threshold,
        (codes.FACE_MISMATCH, f"similarity {score:.1f} under {params.decline_threshold:.0f}"),
        (
            codes.FACE_MATCH_UNCERTAIN,
            f"similarity {score:.1f} under {params.review_threshold:.0f}",
        ),
    )
    warnings = ([graded] if graded else []) + fa.warnings + fb.warnings
    return CheckResult(
        check=check,
        status=_final_status(status, warnings, params.quality_issues_review),
        score=score,
        warnings=warnings,
        data={
            "similarity": score,
            "cosine": round(cos, 4),
            "threshold": params.decline_threshold,
            "review_threshold": params.review_threshold,
            "cosine_at_threshold": round(cosine_for_score(params.decline_threshold), 4),
            "faces": [_face_data(fa, "image 1"), _face_data(fb, "image 2")],
        },
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in keys],
    )


def _face_data(fa: FaceAnalysis, label: str) -> dict:
    return {"image": label, **fa.as_dict()}


def _today(ctx: FaceContext | None) -> date:
    if has(ctx, "today"):
        return ctx.today()  # type: ignore[union-attr]
    return datetime.now().date()


# ---------------------------------------------------------------- passive liveness


class PassiveLivenessParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decline_threshold: float = Field(50.0, ge=0, le=100, description="liveness under this fails")
    review_threshold: float = Field(70.0, ge=0, le=100, description="liveness under this: review")
    use_model: bool = Field(False, description="also run the FAS network (slow on small CPUs)")
    quality: QualityParams = Field(default_factory=QualityParams)


def run_passive_liveness(
    selfie: bytes, params: PassiveLivenessParams | None = None, ctx: FaceContext | None = None
) -> CheckResult:
    """One selfie scored for presentation attacks (screen replay, print, photo of photo)."""
    from shared.faces.liveness_fusion import CALIBRATION, CUES, fuse
    from shared.faces.liveness_passive import compute_cues

    check = "passive_liveness"
    params = params or PassiveLivenessParams()
    sw = Stopwatch()
    keys = ("yunet", "fas") if params.use_model else ("yunet",)
    try:
        img = _decode(selfie, "selfie")
        fa = analyse_image(img, params.quality.limits(), "selfie", with_embedding=False)
        cues = compute_cues(img, fa.face, use_model=params.use_model)
    except FACE_FAILURES as exc:
        return _failure(check, exc, sw, keys)
    fused = fuse(cues.raw)
    score, attack_type = fused.score, fused.attack_type
    if params.use_model and 100.0 * (1.0 - cues.model) < score:
        score, attack_type = 100.0 * (1.0 - cues.model), "unknown"  # the network vetoes
    score = round(score, 2)
    status, graded = _graded(
        score,
        params.decline_threshold,
        params.review_threshold,
        (codes.LIVENESS_ATTACK_SUSPECTED, f"liveness {score:.0f}: {attack_type} suspected"),
        (codes.LIVENESS_UNCERTAIN, f"liveness {score:.0f} under {params.review_threshold:.0f}"),
    )
    warnings = ([graded] if graded else []) + list(fa.warnings)
    return CheckResult(
        check=check,
        status=_final_status(status, warnings, True),
        score=score,
        warnings=warnings,
        data={
            "score": score,
            "attack_type": attack_type if score < params.review_threshold else None,
            "cues": fused.contributions,
            "cue_measurements": cues.measurements(),
            # cue name -> the measurement it weighs (names differ: periodic_pattern <- peak)
            "cue_sources": {name: src for name, (src, _) in CUES.items()},
            "cue_note": "each cue's share of the attack log-odds (positive: attack-like); "
            f"weights fitted on {CALIBRATION.fitted_on}",
            **({"model_attack_strength": round(cues.model, 3)} if params.use_model else {}),
            "threshold": params.decline_threshold,
            "face": fa.as_dict(),
            "rules_not_evaluated": [] if params.use_model else ["anti_spoofing_model"],
        },
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in keys],
    )


# ---------------------------------------------------------------- age


class AgeEstimationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minimum_age: int = Field(18, ge=0, le=120)
    margin: float = Field(5.0, ge=0, le=30, description="years: estimates within it go to review")
    uncertainty_z: float = Field(1.0, ge=0, le=3, description="interval = age +- z * std")
    max_dob_gap: float = Field(15.0, ge=0, description="face vs document age gap that warns")
    quality: QualityParams = Field(default_factory=QualityParams)


def _age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def run_age_estimation(
    selfie: bytes,
    params: AgeEstimationParams | None = None,
    ctx: FaceContext | None = None,
    date_of_birth: date | None = None,
) -> CheckResult:
    """Age from the face (estimate and interval), combined with the document's date of birth."""
    from shared.faces.age import estimate_age

    check = "age_estimation"
    params = params or AgeEstimationParams()
    sw = Stopwatch()
    keys = ("yunet", "age")
    try:
        img = _decode(selfie, "selfie")
        fa = analyse_image(img, params.quality.limits(), "selfie", with_embedding=False)
        est = estimate_age(img, fa.face)
    except FACE_FAILURES as exc:
        return _failure(check, exc, sw, keys)
    low, high = est.interval(params.uncertainty_z)
    warnings = list(fa.warnings)
    minimum = params.minimum_age
    data: dict = {
        "age": round(est.age, 1),
        "age_low": round(low, 1),
        "age_high": round(high, 1),
        "std": round(est.std, 1),
        "minimum_age": minimum,
        "margin": params.margin,
        "face": fa.as_dict(),
    }
    status = CheckStatus.passed
    if date_of_birth is not None:
        doc_age = _age_on(date_of_birth, _today(ctx))
        data.update(source="both", document_age=doc_age)
        if doc_age < minimum:
            status = CheckStatus.failed
            warnings.insert(
                0,
                CheckWarning(
                    code=codes.MINIMUM_AGE_NOT_MET,
                    severity=Severity.error,
                    message=f"document age {doc_age} under {minimum}",
                ),
            )
        if abs(est.age - doc_age) > params.max_dob_gap:
            warnings.append(
                CheckWarning(
                    code=codes.AGE_DOB_INCONSISTENT,
                    severity=Severity.warning,
                    message=f"face looks {est.age:.0f}, document says {doc_age}",
                )
            )
            if status == CheckStatus.passed:
                status = CheckStatus.warning
        # the document decides the age; the face only flags inconsistencies
        data["age_decided"] = doc_age
    else:
        data["source"] = "face"
        data["age_decided"] = round(est.age, 1)
        if high < minimum:
            status = CheckStatus.failed
            warnings.insert(
                0,
                CheckWarning(
                    code=codes.MINIMUM_AGE_NOT_MET,
                    severity=Severity.error,
                    message=f"estimated {est.age:.0f} (up to {high:.0f}) under {minimum}",
                ),
            )
        elif low < minimum + params.margin:
            # borderline: never a silent pass
            status = CheckStatus.warning
            warnings.insert(
                0,
                CheckWarning(
                    code=codes.AGE_BORDERLINE,
                    severity=Severity.warning,
                    message=f"estimated {est.age:.0f} ({low:.0f}-{high:.0f}) "
                    f"within {params.margin:.0f} years of {minimum}",
                ),
            )
    if status == CheckStatus.passed and warnings:
        status = CheckStatus.warning
    return CheckResult(
        check=check,
        status=status,
        score=round(est.age, 1),
        warnings=warnings,
        data=data,
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in keys],
    )


# ---------------------------------------------------------------- active liveness


class ActiveLivenessParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_frames: int = Field(5, ge=2, description="frames with a face needed")
    max_frames: int = Field(90, ge=2, le=600)
    yaw_deg: float = Field(
        12.0, ge=3, le=60, description="head turn that counts, from the start pose"
    )
    pitch_deg: float = Field(10.0, ge=3, le=60, description="nod that counts, from the start pose")
    closer_ratio: float = Field(1.25, ge=1.05, le=3.0, description="face size growth that counts")
    same_face_min_similarity: float = Field(50.0, ge=0, le=100)
    selfie_min_similarity: float = Field(50.0, ge=0, le=100)
    static_max_distinct_hashes: int = Field(1, ge=0, description="so few distinct frames: a still")
    max_identity_frames: int = Field(30, ge=2, description="frames embedded for the same-face rule")


def run_active_liveness(
    challenge,
    frames: list[bytes],
    params: ActiveLivenessParams | None = None,
    ctx: FaceContext | None = None,
    selfie: bytes | None = None,
    session_id: str | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Verify the challenge moves happened in order, by one face, live (not a replay)."""
    from shared.faces.liveness_active import Challenge, MoveLimits, analyse_frames, check_sequence

    check = "active_liveness"
    params = params or ActiveLivenessParams()
    sw = Stopwatch()
    keys = ("yunet", "sface")
    not_evaluated: list[str] = []

    def fail(code: str, msg: str, data: dict | None = None) -> CheckResult:
        return CheckResult(
            check=check,
            status=CheckStatus.failed,
            score=0.0,
            warnings=[CheckWarning(code=code, severity=Severity.error, message=msg)],
            data={**(data or {}), "rules_not_evaluated": not_evaluated},
            duration_ms=sw.ms,
            model=[models.model_info(k) for k in keys],
        )

    try:
        ch = challenge if isinstance(challenge, Challenge) else Challenge.model_validate(challenge)
    except Exception as exc:  # pydantic ValidationError or wrong type
        return error_result(check, codes.CHALLENGE_INVALID, f"bad challenge: {exc}", sw.ms)
    if session_id is not None and ch.session_id != session_id:
        return error_result(
            check, codes.CHALLENGE_INVALID, "challenge issued for another session", sw.ms
        )
    if not frames:
        return error_result(check, codes.TOO_FEW_FRAMES, "no frames", sw.ms)
    if len(frames) > params.max_frames:
        return error_result(
            check, codes.IMAGE_INVALID, f"more than {params.max_frames} frames", sw.ms
        )
    current = now or datetime.now(ch.expires_at.tzinfo)
    if current > ch.expires_at:
        return fail(codes.CHALLENGE_EXPIRED, f"challenge expired at {ch.expires_at.isoformat()}")
    if has(ctx, "consume_challenge"):
        if not ctx.consume_challenge(ch.nonce):  # type: ignore[union-attr]
            return fail(codes.CHALLENGE_REUSED, "this challenge was already answered")
    else:
        not_evaluated.append("challenge_single_use")
    try:
        images = [_decode(f, f"frame {i}") for i, f in enumerate(frames)]
        infos = analyse_frames(images)
        selfie_fa = analyse_image(_decode(selfie, "selfie")) if selfie is not None else None
    except FACE_FAILURES as exc:
        return _failure(check, exc, sw, keys)
    hashes = [f.hash for f in infos]
    data: dict = {"steps": list(ch.steps), "frames": len(frames), "frame_hashes": hashes}
    if has(ctx, "frames_seen_elsewhere"):
        if ctx.frames_seen_elsewhere(hashes):  # type: ignore[union-attr]
            return fail(codes.FRAMES_REUSED, "frames already submitted in another session", data)
    else:
        not_evaluated.append("frames_reuse")
    with_face = [f for f in infos if f.face is not None]
    data["frames_with_face"] = len(with_face)
    if len(with_face) < max(params.min_frames, len(ch.steps) + 2):
        return fail(codes.TOO_FEW_FRAMES, f"only {len(with_face)} frames with a face", data)
    if len(set(hashes)) <= params.static_max_distinct_hashes:
        return fail(codes.FRAMES_STATIC, "all frames are the same picture", data)
    lim = MoveLimits(
        yaw_deg=params.yaw_deg, pitch_deg=params.pitch_deg, closer_ratio=params.closer_ratio
    )
    seq, trace = check_sequence(infos, list(ch.steps), ch.mirrored, lim)
    data.update(
        completed=seq.completed, missing=seq.missing, out_of_order=seq.out_of_order, trace=trace
    )
    warnings: list[CheckWarning] = []
    # same face throughout: embed near-frontal frames, evenly spread
    frontal = [f for f in with_face if abs(f.pose.yaw) < 25 and abs(f.pose.pitch) < 25] or with_face
    # every frame counts (a face swapped in for a few frames must be caught), capped for time
    count = min(params.max_identity_frames, len(frontal))
    pick = [frontal[int(i)] for i in np.linspace(0, len(frontal) - 1, count)]
    from shared.faces.embed import embed

    embs = np.stack([embed(f.img, f.face) for f in pick])
    ref = embs[0]
    sims = [similarity_score(float(np.dot(ref, e))) for e in embs[1:]] or [100.0]
    data["same_face_min_similarity"] = min(sims)
    if min(sims) < params.same_face_min_similarity:
        warnings.append(
            CheckWarning(
                code=codes.FACE_CHANGED_DURING_CHALLENGE,
                severity=Severity.error,
                message=f"frames differ (similarity {min(sims):.0f})",
            )
        )
    if selfie_fa is not None:
        mean = embs.mean(axis=0)
        mean /= np.linalg.norm(mean) + 1e-12
        s = similarity_score(float(np.dot(mean, selfie_fa.embedding)))
        data["selfie_similarity"] = s
        if s < params.selfie_min_similarity:
            warnings.append(
                CheckWarning(
                    code=codes.SELFIE_MISMATCH,
                    severity=Severity.error,
                    message=f"challenge face vs selfie similarity {s:.0f}",
                )
            )
    else:
        not_evaluated.append("selfie_match")
    if seq.missing or seq.out_of_order:
        warnings.insert(
            0,
            CheckWarning(
                code=codes.CHALLENGE_NOT_COMPLETED,
                severity=Severity.error,
                message=f"missing {seq.missing or '-'}, out of order {seq.out_of_order or '-'}",
            ),
        )
    score = round(100.0 * len(seq.completed) / len(ch.steps), 2)
    if seq.out_of_order:
        score = min(score, 40.0)
    status = (
        CheckStatus.failed
        if any(w.severity == Severity.error for w in warnings)
        else CheckStatus.passed
    )
    data["rules_not_evaluated"] = not_evaluated
    return CheckResult(
        check=check,
        status=status,
        score=score,
        warnings=warnings,
        data=data,
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in keys],
    )


# ---------------------------------------------------------------- 1:N search


class FaceSearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_threshold: float = Field(80.0, ge=0, le=100, description="similarity of a duplicate")
    blocklist_threshold: float = Field(
        70.0, ge=0, le=100, description="similarity of a blocklist hit"
    )
    quality: QualityParams = Field(default_factory=QualityParams)


def run_face_search(
    selfie: bytes, params: FaceSearchParams | None = None, ctx: FaceContext | None = None
) -> CheckResult:
    """The face side of `blocklist`: 1:N against the tenant's templates and face blocklist."""
    check = "blocklist"
    params = params or FaceSearchParams()
    sw = Stopwatch()
    keys = ("yunet", "sface")
    try:
        fa = analyse_image(_decode(selfie, "selfie"), params.quality.limits(), "selfie")
    except FACE_FAILURES as exc:
        return _failure(check, exc, sw, keys)
    emb = [float(v) for v in fa.embedding]
    warnings: list[CheckWarning] = []
    not_evaluated: list[str] = []
    data: dict = {"face": fa.as_dict()}
    status = CheckStatus.passed
    for method, key, threshold, code, severity in (
        (
            "search_templates",
            "duplicates",
            params.duplicate_threshold,
            codes.POSSIBLE_DUPLICATE_USER,
            Severity.warning,
        ),
        (
            "search_blocklist",
            "blocklist_hits",
            params.blocklist_threshold,
            codes.IN_BLOCKLIST,
            Severity.error,
        ),
    ):
        if not has(ctx, method):
            not_evaluated.append(method)
            continue
        hits = [
            {"id": ident, "similarity": similarity_score(cos)}
            for ident, cos in getattr(ctx, method)(emb)
        ]
        hits = sorted(
            (h for h in hits if h["similarity"] >= threshold), key=lambda h: -h["similarity"]
        )
        data[key] = hits
        if hits:
            warnings.append(
                CheckWarning(
                    code=code,
                    severity=severity,
                    message=f"{len(hits)} match(es), best {hits[0]['similarity']:.0f}",
                )
            )
            status = (
                CheckStatus.failed
                if severity == Severity.error
                else (CheckStatus.warning if status == CheckStatus.passed else status)
            )
    data["rules_not_evaluated"] = not_evaluated
    return CheckResult(
        check=check,
        status=status,
        warnings=warnings,
        data=data,
        duration_ms=sw.ms,
        model=[models.model_info(k) for k in keys],
    )
