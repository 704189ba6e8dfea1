"""`idmesh check id_document FRONT [BACK] [--json] [--params JSON]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pydantic import ValidationError

from shared.checks.result import error_result
from shared.cli.output import print_result


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "id_document", help="read and verify an identity document (MRZ, barcode, rules)"
    )
    p.add_argument("front", type=Path, help="image of the document front (or passport page)")
    p.add_argument("back", type=Path, nargs="?", help="image of the back (optional)")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.add_argument("--params", default="{}", help="workflow step parameters as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.documents import codes
    from shared.documents.check import run_id_document
    from shared.documents.params import IdDocumentParams

    try:
        params = IdDocumentParams.model_validate(json.loads(args.params))
    except (ValueError, ValidationError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "invalid parameters"
        return print_result(error_result(codes.CHECK_NAME, codes.INVALID_PARAMS, msg), args.json)
    try:
        front = args.front.read_bytes()
        back = args.back.read_bytes() if args.back else None
    except OSError as exc:
        return print_result(
            error_result(codes.CHECK_NAME, codes.INVALID_IMAGE, f"cannot read file: {exc}"),
            args.json,
        )
    return print_result(run_id_document(front, back, params), args.json)
