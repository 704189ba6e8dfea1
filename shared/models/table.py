"""The README's model table, rendered from the registry (a test compares the two)."""

from __future__ import annotations

from shared.models.registry import MODELS

HEADER = (
    "| model | used by | package (file) | sha256 | licence | override |\n"
    "|---|---|---|---|---|---|"
)


def render_markdown() -> str:
    rows = [
        f"| {m.name} {m.version} | {m.used_by} | `{m.distribution}` "
        f"(`{m.package}/{m.relpath}`) | `{m.sha256}` | {m.licence} | `{m.env}` |"
        for m in MODELS.values()
    ]
    return HEADER + "\n" + "\n".join(rows)
