"""Face velocity: the same face in this tenant's other sessions within the window.

It reads the face templates the platform already keeps (`face_templates`: one per session,
sealed with the tenant's data key, written by the `blocklist` step's face search when the
session has a selfie). So face velocity needs the `blocklist` step in the workflow (in this
session and the earlier ones) and the `risk` step `after` it. The session's template is
compared with the tenant's in-memory 1:N index (`shared.faces.step.tenant_index`: all the
tenant's templates, loaded once per process and kept in step; a matrix-vector product per
query), and the matches are kept when their template was made within the window.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from shared.crypto.envelope import TenantCipher
from shared.risk.keys import SAMPLE_SESSIONS, Velocity

MAX_MATCHES = 500  # the count is exact up to this many matching sessions


def face_velocity(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    since: datetime,
    min_similarity: float,
) -> tuple[Velocity, float] | None:
    """Other sessions with the same face since `since` and the best similarity; None when
    the session has no template."""
    row = conn.execute(
        "SELECT embedding_enc FROM face_templates WHERE session_id = %s", (session_id,)
    ).fetchone()
    if row is None:
        return None
    # Imported here: the face stack (OpenCV) is only loaded by sessions with a face.
    from shared.faces.calibration import cosine_for_score, similarity_score
    from shared.faces.search import template_from_bytes
    from shared.faces.step import tenant_index

    mine = template_from_bytes(cipher.open("face-template", session_id, row["embedding_enc"]))
    hits = tenant_index(conn, cipher).search(
        mine, k=MAX_MATCHES + 1, min_cosine=cosine_for_score(min_similarity)
    )
    best = {sid: cos for sid, cos in hits if sid != session_id}
    if not best:
        return Velocity(kind="face", other_sessions=0, session_ids=[]), 0.0
    recent = conn.execute(
        "SELECT session_id FROM face_templates WHERE session_id = ANY(%s::uuid[]) "
        "AND created_at >= %s ORDER BY created_at DESC",
        (list(best), since),
    ).fetchall()
    ids = [str(r["session_id"]) for r in recent]
    top = max((best[i] for i in ids), default=None)
    return (
        Velocity(kind="face", other_sessions=len(ids), session_ids=ids[:SAMPLE_SESSIONS]),
        similarity_score(top) if top is not None else 0.0,
    )
