"""Printing check results the same way for every `idmesh check` command."""

from __future__ import annotations

import json
import sys

from shared.checks.result import CheckResult, CheckStatus
from shared.checks.scale import on_api_scale


def print_result(result: CheckResult, as_json: bool) -> int:
    """Print a result; exit code 0 for passed/warning, 1 for failed, 2 for error."""
    result = on_api_scale(result)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(f"{result.check}: {result.status.value}")
        if result.score is not None:
            sys.stdout.write(f" (score {result.score})")
        sys.stdout.write("\n")
        for w in result.warnings:
            sys.stdout.write(f"  {w.severity.value} {w.code}: {w.message}\n")
    if result.status in (CheckStatus.passed, CheckStatus.warning):
        return 0
    return 1 if result.status == CheckStatus.failed else 2
