"""Query parameters, read strictly: ASCII digits within the documented range, else 400."""

from __future__ import annotations

import re
from collections.abc import Mapping

from shared.http.problem import Problem


def int_param(
    args: Mapping[str, str], name: str, default: int | None, lo: int, hi: int
) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if re.fullmatch(r"[0-9]{1,10}", raw) else None
    if value is None or not lo <= value <= hi:
        raise Problem(
            400,
            "Bad Request",
            f"{name} must be an integer from {lo} to {hi}",
            errors=[{"pointer": f"#/query/{name}", "detail": f"an integer from {lo} to {hi}"}],
        )
    return value
