"""`idmesh check proof_of_address FILE [--name NAME] [--address ADDRESS] [--params JSON] --json`"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from shared.checks.result import error_result
from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "proof_of_address",
        help="read a utility bill / bank statement / official letter and check it",
    )
    p.add_argument("file", help="PDF, JPEG, PNG, WebP or TIFF")
    p.add_argument("--name", help="expected holder name")
    p.add_argument(
        "--address", help="declared address, one line ('12 Main St, Springfield, IL 62704')"
    )
    p.add_argument("--params", help="workflow step parameters as JSON (or @file.json)")
    p.add_argument("--today", help="evaluate recency as of this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print the result JSON")
    p.set_defaults(func=run)


class _Today:
    def __init__(self, d) -> None:
        self._d = d

    def today(self):
        return self._d

    def document_name(self):
        return None


def run(args: argparse.Namespace) -> int:
    from datetime import date

    from shared.poa.check import run_proof_of_address
    from shared.poa.codes import CHECK_NAME, POA_INVALID_PARAMS
    from shared.poa.params import ProofOfAddressParams

    try:
        raw = args.params or "{}"
        if raw.startswith("@"):
            raw = Path(raw[1:]).read_text()
        params = ProofOfAddressParams.model_validate(json.loads(raw))
        ctx = _Today(date.fromisoformat(args.today)) if args.today else None
    except (ValueError, ValidationError, OSError) as e:
        return print_result(error_result(CHECK_NAME, POA_INVALID_PARAMS, str(e)[:500]), args.json)
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        sys.stderr.write(f"cannot read {args.file}: {e.strerror}\n")
        return 2
    result = run_proof_of_address(
        data, params, ctx, expected_name=args.name, expected_address=args.address
    )
    return print_result(result, args.json)
