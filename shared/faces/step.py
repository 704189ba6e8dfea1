"""The face engine on the platform: the FaceContext on Postgres (RLS), one in-memory 1:N
index per tenant kept in step with the stored templates, and the face workflow steps."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from shared.checks.result import CheckResult, error_result
from shared.crypto.envelope import TenantCipher
from shared.faces.check import (
    ActiveLivenessParams,
    AgeEstimationParams,
    FaceMatchParams,
    FaceSearchParams,
    PassiveLivenessParams,
    run_active_liveness,
    run_age_estimation,
    run_face_match,
    run_face_search,
    run_passive_liveness,
)
from shared.faces.liveness_active import Challenge, issue_challenge
from shared.faces.search import FaceIndex, template_from_bytes, template_to_bytes
from shared.sessions.check_inputs import CheckInputs

NO_SELFIE = "NO_SELFIE"
NO_REFERENCE_FACE = "NO_REFERENCE_FACE"
NO_CHALLENGE = "LIVENESS_NO_CHALLENGE"
NO_FRAMES = "LIVENESS_NO_FRAMES"


@dataclass
class _TenantIndex:
    index: FaceIndex = field(default_factory=FaceIndex)
    count: int = 0
    newest: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_indexes: dict[str, _TenantIndex] = {}
_indexes_lock = threading.Lock()


def tenant_index(conn: psycopg.Connection, cipher: TenantCipher) -> FaceIndex:
    """The tenant's templates as a FaceIndex: new ones are added incrementally; a deletion
    (erasure) makes it reload from the table."""
    with _indexes_lock:
        entry = _indexes.setdefault(cipher.tenant_id, _TenantIndex())
    with entry.lock:
        row = conn.execute(
            "SELECT count(*) AS n, max(created_at) AS newest FROM face_templates"
        ).fetchone()
        if row["n"] < entry.count:
            entry.index, entry.count, entry.newest = FaceIndex(), 0, None
        if row["n"] != entry.count:
            rows = conn.execute(
                "SELECT session_id, embedding_enc, created_at FROM face_templates "
                "WHERE %s::timestamptz IS NULL OR created_at >= %s ORDER BY created_at",
                (entry.newest, entry.newest),
            ).fetchall()
            for r in rows:
                sid = str(r["session_id"])
                raw = cipher.open("face-template", sid, r["embedding_enc"])
                entry.index.add(sid, template_from_bytes(raw))
            entry.count = len(entry.index)
            entry.newest = row["newest"]
        return entry.index


def store_template(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, embedding: list[float]
) -> None:
    conn.execute(
        "INSERT INTO face_templates (tenant_id, session_id, embedding_enc) VALUES (%s, %s, %s) "
        "ON CONFLICT (session_id) DO UPDATE SET embedding_enc = EXCLUDED.embedding_enc",
        (
            cipher.tenant_id,
            session_id,
            cipher.seal("face-template", session_id, template_to_bytes(embedding)),
        ),
    )


class SessionFaceContext:
    """FaceContext for one session's step."""

    def __init__(self, inputs: CheckInputs) -> None:
        self.inputs = inputs
        self.embedding: list[float] | None = None

    def search_templates(self, embedding: list[float]) -> list[tuple[str, float]]:
        self.embedding = embedding
        index = tenant_index(self.inputs.conn, self.inputs.cipher)
        me = str(self.inputs.session.id)
        return [(sid, cos) for sid, cos in index.search(embedding, k=10) if sid != me]

    def search_blocklist(self, embedding: list[float]) -> list[tuple[str, float]]:
        self.embedding = embedding
        rows = self.inputs.conn.execute(
            "SELECT id, session_id, embedding_enc FROM blocklist WHERE kind = 'face' "
            "AND embedding_enc IS NOT NULL"
        ).fetchall()
        if not rows:
            return []
        index = FaceIndex()
        for r in rows:
            raw = self.inputs.cipher.open("face-template", str(r["session_id"]), r["embedding_enc"])
            index.add(str(r["id"]), template_from_bytes(raw))
        return index.search(embedding, k=5)

    def consume_challenge(self, nonce: str) -> bool:
        row = self.inputs.conn.execute(
            "UPDATE challenges SET used_at = now() WHERE session_id = %s AND kind = 'liveness' "
            "AND nonce = %s AND used_at IS NULL RETURNING id",
            (str(self.inputs.session.id), nonce),
        ).fetchone()
        return row is not None

    def frames_seen_elsewhere(self, frame_hashes: list[str]) -> bool:
        if not frame_hashes:
            return False
        row = self.inputs.conn.execute(
            "SELECT 1 FROM frame_hashes f, unnest(%s::text[]) AS h(v) "
            "WHERE f.session_id <> %s AND "
            "bit_count(('x' || f.hash)::bit(64) # ('x' || h.v)::bit(64)) <= 8 LIMIT 1",
            (frame_hashes, str(self.inputs.session.id)),
        ).fetchone()
        return row is not None

    def today(self) -> dt.date:
        return self.inputs.session.created_at.date()


def face_match_step(inputs: CheckInputs) -> CheckResult:
    params = FaceMatchParams.model_validate(inputs.params)
    selfie = inputs.latest("selfie")
    if selfie is None:
        return error_result("face_match", NO_SELFIE, "no selfie was uploaded")
    reference = inputs.latest("document_portrait")
    if reference is None:
        return error_result(
            "face_match",
            NO_REFERENCE_FACE,
            "no document portrait to compare with (run id_document first)",
        )
    return run_face_match(selfie, reference, params, SessionFaceContext(inputs))


def passive_liveness_step(inputs: CheckInputs) -> CheckResult:
    params = PassiveLivenessParams.model_validate(inputs.params)
    selfie = inputs.latest("selfie")
    if selfie is None:
        return error_result("passive_liveness", NO_SELFIE, "no selfie was uploaded")
    return run_passive_liveness(selfie, params, SessionFaceContext(inputs))


def _document_dob(inputs: CheckInputs) -> dt.date | None:
    raw = inputs.document_mrz().get("date_of_birth")
    if not raw and inputs.expected and inputs.expected.date_of_birth:
        raw = inputs.expected.date_of_birth
    try:
        return dt.date.fromisoformat(raw) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def age_estimation_step(inputs: CheckInputs) -> CheckResult:
    params = AgeEstimationParams.model_validate(inputs.params)
    selfie = inputs.latest("selfie")
    if selfie is None:
        return error_result("age_estimation", NO_SELFIE, "no selfie was uploaded")
    return run_age_estimation(selfie, params, SessionFaceContext(inputs), _document_dob(inputs))


def new_liveness_challenge(conn: psycopg.Connection, tenant_id: str, session_id: str) -> Challenge:
    ch = issue_challenge(session_id)
    conn.execute(
        "INSERT INTO challenges (tenant_id, session_id, kind, nonce, payload, expires_at) "
        "VALUES (%s, %s, 'liveness', %s, %s, %s)",
        (tenant_id, session_id, ch.nonce, ch.model_dump_json(), ch.expires_at),
    )
    return ch


def active_liveness_step(inputs: CheckInputs) -> CheckResult:
    from shared.faces.video import frames_from_video

    params = ActiveLivenessParams.model_validate(inputs.params)
    row = inputs.conn.execute(
        "SELECT payload FROM challenges WHERE session_id = %s AND kind = 'liveness' "
        "ORDER BY created_at DESC LIMIT 1",
        (str(inputs.session.id),),
    ).fetchone()
    if row is None:
        return error_result("active_liveness", NO_CHALLENGE, "no liveness challenge was issued")
    challenge = Challenge.model_validate(row["payload"])
    arts = inputs.artifacts("liveness_frames", "liveness_video", "selfie")
    frames = arts.get("liveness_frames") or []
    if not frames and arts.get("liveness_video"):
        frames = frames_from_video(arts["liveness_video"][-1], params.max_frames)
    if not frames:
        return error_result("active_liveness", NO_FRAMES, "no liveness frames or video")
    selfie = (arts.get("selfie") or [None])[-1]
    # The frames were captured before the step ran: judge expiry at the last upload.
    uploaded = inputs.conn.execute(
        "SELECT max(created_at) AS t FROM artifacts WHERE session_id = %s "
        "AND kind IN ('liveness_frames', 'liveness_video')",
        (str(inputs.session.id),),
    ).fetchone()["t"]
    result = run_active_liveness(
        challenge,
        frames,
        params,
        SessionFaceContext(inputs),
        selfie=selfie,
        session_id=str(inputs.session.id),
        now=uploaded or datetime.now(UTC),
    )
    for h in result.data.get("frame_hashes") or []:
        inputs.conn.execute(
            "INSERT INTO frame_hashes (tenant_id, session_id, hash) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (inputs.tenant_id, str(inputs.session.id), h),
        )
    return result


def face_search(inputs: CheckInputs, params: FaceSearchParams) -> CheckResult | None:
    """The face side of the blocklist step; stores the session's template for later 1:N."""
    selfie = inputs.latest("selfie")
    if selfie is None:
        return None
    ctx = SessionFaceContext(inputs)
    result = run_face_search(selfie, params, ctx)
    if ctx.embedding is not None:
        store_template(inputs.conn, inputs.cipher, str(inputs.session.id), ctx.embedding)
    return result


def chip_face_match(inputs: CheckInputs, dg2_jpeg: bytes) -> CheckResult | None:
    """For the NFC step: the chip portrait against the session's selfie."""
    selfie = inputs.latest("selfie")
    if selfie is None:
        return None
    return run_face_match(selfie, dg2_jpeg, FaceMatchParams(), SessionFaceContext(inputs))
