"""The README's configuration table, rendered from the settings groups (a test compares)."""

from __future__ import annotations

from shared.config import GROUPS, env_name


def _default(value: object) -> str:
    if value in ("", None):
        return ""
    return f"`{value}`"


def render_markdown() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for title, group in GROUPS:
        rows.append(f"| **{title}** | | |")
        for name, field in group.model_fields.items():
            meaning = (field.description or "").replace("|", "\\|")
            rows.append(f"| `{env_name(name)}` | {_default(field.default)} | {meaning} |")
    return "\n".join(rows)
