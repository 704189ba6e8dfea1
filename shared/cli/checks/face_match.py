"""`idmesh check face_match IMG1 IMG2 [--json]`: 1:1 face match of two images."""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser("face_match", help="compare the main face of two images")
    p.add_argument("image_a", type=Path, help="selfie or any face image")
    p.add_argument("image_b", type=Path, help="document portrait or any face image")
    p.add_argument(
        "--decline-threshold", type=float, default=None, help="similarity under this fails"
    )
    p.add_argument(
        "--review-threshold", type=float, default=None, help="similarity under this: review"
    )
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.faces.check import FaceMatchParams, run_face_match

    overrides = {
        k: v
        for k, v in (
            ("decline_threshold", args.decline_threshold),
            ("review_threshold", args.review_threshold),
        )
        if v is not None
    }
    result = run_face_match(
        args.image_a.read_bytes(), args.image_b.read_bytes(), FaceMatchParams(**overrides)
    )
    return print_result(result, args.json)
