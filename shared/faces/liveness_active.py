"""Active liveness: a random challenge (head moves) bound to a session, and its verification
on the captured frames: the moves happened in the requested order (head pose from the
landmarks), one face throughout, not a still picture.
"""

from __future__ import annotations

import random
import secrets
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shared.faces.detect import Face, detect_faces
from shared.faces.phash import phash
from shared.faces.pose import Pose, head_pose

Step = Literal["turn_left", "turn_right", "look_up", "look_down", "come_closer"]
STEPS: tuple[Step, ...] = ("turn_left", "turn_right", "look_up", "look_down", "come_closer")


class Challenge(BaseModel):
    """What the client must do; the nonce is single-use, the expiry short."""

    model_config = ConfigDict(extra="forbid")

    nonce: str = Field(min_length=16)
    session_id: str
    steps: list[Step] = Field(min_length=1, max_length=5)
    issued_at: datetime
    expires_at: datetime
    mirrored: bool = Field(False, description="frames come from a mirrored (selfie) preview")


def issue_challenge(
    session_id: str,
    rng: random.Random | None = None,
    n_steps: int = 3,
    ttl_seconds: int = 120,
    now: datetime | None = None,
) -> Challenge:
    """A random sequence of distinct moves (no two opposite moves in a row)."""
    rng = rng or random.SystemRandom()
    steps: list[Step] = []
    pool = list(STEPS)
    while len(steps) < min(n_steps, len(pool)):
        cand = rng.choice([s for s in pool if s not in steps])
        steps.append(cand)
    issued = now or datetime.now(UTC)
    return Challenge(
        nonce=secrets.token_urlsafe(24),
        session_id=session_id,
        steps=steps,
        issued_at=issued,
        expires_at=issued + timedelta(seconds=ttl_seconds),
    )


@dataclass
class FrameInfo:
    index: int
    img: np.ndarray
    face: Face | None
    pose: Pose | None
    size: float
    hash: str


@dataclass
class SequenceResult:
    completed: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)


def analyse_frames(images: list[np.ndarray]) -> list[FrameInfo]:
    out = []
    for i, img in enumerate(images):
        faces = detect_faces(img)
        face = faces[0] if faces else None
        out.append(
            FrameInfo(
                index=i,
                img=img,
                face=face,
                pose=head_pose(face.landmarks) if face else None,
                size=face.eye_distance if face else 0.0,
                hash=phash(img),
            )
        )
    return out


@dataclass(frozen=True)
class MoveLimits:
    yaw_deg: float = 12.0
    pitch_deg: float = 8.0
    closer_ratio: float = 1.25


def _moves(delta_yaw: float, delta_pitch: float, size_ratio: float, lim: MoveLimits) -> set[str]:
    m = set()
    if delta_yaw >= lim.yaw_deg:
        m.add("turn_left")
    if delta_yaw <= -lim.yaw_deg:
        m.add("turn_right")
    if delta_pitch >= lim.pitch_deg:
        m.add("look_up")
    if delta_pitch <= -lim.pitch_deg:
        m.add("look_down")
    if size_ratio >= lim.closer_ratio:
        m.add("come_closer")
    return m


def check_sequence(
    frames: list[FrameInfo], steps: list[str], mirrored: bool, lim: MoveLimits
) -> tuple[SequenceResult, list[dict]]:
    """Walk the frames once; each step must be seen after the previous one, and no other
    requested move may be performed while a step is awaited (a generic replay fails)."""
    with_face = [f for f in frames if f.face is not None]
    base = with_face[: max(1, min(3, len(with_face)))]
    b_yaw = statistics.median(f.pose.yaw for f in base)
    b_pitch = statistics.median(f.pose.pitch for f in base)
    b_size = statistics.median(f.size for f in base) or 1.0
    sign = -1.0 if mirrored else 1.0
    trace = []
    res = SequenceResult()
    i = 0
    for f in with_face:
        dy = sign * (f.pose.yaw - b_yaw)
        dp = f.pose.pitch - b_pitch
        ratio = f.size / b_size
        moves = _moves(dy, dp, ratio, lim)
        trace.append(
            {
                "frame": f.index,
                "d_yaw": round(dy, 1),
                "d_pitch": round(dp, 1),
                "size": round(ratio, 2),
            }
        )
        if i >= len(steps):
            continue
        if steps[i] in moves:
            res.completed.append({"step": steps[i], "frame": f.index})
            i += 1
            continue
        wrong = moves & set(steps[i + 1 :])
        for w in sorted(wrong):
            if w not in res.out_of_order:
                res.out_of_order.append(w)
    res.missing = list(steps[i:])
    return res, trace
