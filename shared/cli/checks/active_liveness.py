"""`idmesh check active_liveness --challenge CHALLENGE.json FRAME... | VIDEO [--selfie IMG]`.

`--new-challenge SESSION_ID` prints a fresh challenge JSON instead (to record frames for it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.cli.output import print_result

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "active_liveness", help="verify a head-move challenge on frames/video"
    )
    p.add_argument("--challenge", type=Path, help="challenge JSON (from --new-challenge)")
    p.add_argument("--new-challenge", metavar="SESSION_ID", help="print a new challenge and exit")
    p.add_argument("--selfie", type=Path, default=None, help="selfie the challenge face must match")
    p.add_argument("--mirrored", action="store_true", help="frames are mirrored (selfie preview)")
    p.add_argument("frames", nargs="*", type=Path, help="frame images in order, or one video")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.checks.result import error_result
    from shared.faces.check import run_active_liveness
    from shared.faces.liveness_active import Challenge, issue_challenge
    from shared.faces.video import frames_from_video

    if args.new_challenge:
        sys.stdout.write(issue_challenge(args.new_challenge).model_dump_json(indent=2) + "\n")
        return 0
    if not args.challenge or not args.frames:
        return print_result(
            error_result(
                "active_liveness", "CHALLENGE_INVALID", "--challenge and frames are required"
            ),
            args.json,
        )
    challenge = Challenge.model_validate(json.loads(args.challenge.read_text()))
    if args.mirrored:
        challenge = challenge.model_copy(update={"mirrored": True})
    if len(args.frames) == 1 and args.frames[0].suffix.lower() in VIDEO_SUFFIXES:
        try:
            frames = frames_from_video(args.frames[0].read_bytes())
        except ValueError as exc:
            return print_result(
                error_result("active_liveness", "IMAGE_INVALID", str(exc)), args.json
            )
    else:
        frames = [f.read_bytes() for f in args.frames]
    selfie = args.selfie.read_bytes() if args.selfie else None
    return print_result(run_active_liveness(challenge, frames, selfie=selfie), args.json)
