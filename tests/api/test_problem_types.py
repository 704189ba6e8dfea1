"""Every problem `type` the code answers with is documented."""

from __future__ import annotations

import re
from pathlib import Path

from shared.http.problem import PROBLEM_TYPES

ROOT = Path(__file__).resolve().parents[2]


def _calls(text: str, name: str) -> list[str]:
    """The argument text of every `name(...)` call (balanced parentheses)."""
    out = []
    for m in re.finditer(rf"\b{name}\(", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end() : i - 1])
    return out


def test_every_problem_code_in_the_source_is_documented():
    used: set[str] = set()
    for path in (ROOT / "shared").rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'OtpError\(\s*\d+,\s*"([a-z-]+)"', text))
        for args in _calls(text, "Problem"):
            code = re.search(r'\bcode="([a-z][a-z-]+)"', args)
            title = re.match(r'\s*\d{3},\s*"([A-Z][A-Za-z ]+)"', args)
            if code:
                used.add(code.group(1))
            elif title:
                used.add(title.group(1).lower().replace(" ", "-"))
    missing = sorted(used - set(PROBLEM_TYPES))
    assert not missing, f"document these problem types in PROBLEM_TYPES: {missing}"
