"""One Settings: every variable idmesh reads is a declared, documented field of one group,
and the README's configuration table is generated from the groups."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.config import GROUPS, Settings
from shared.config_table import render_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_belongs_to_one_group_and_says_what_it_is():
    seen: dict[str, str] = {}
    for title, group in GROUPS:
        for name, field in group.model_fields.items():
            assert name not in seen, f"{name} is in {seen.get(name)} and {title}"
            assert field.description, f"{name} has no description"
            seen[name] = title
    assert set(seen) == set(Settings.model_fields)


def test_readme_configuration_table_is_generated():
    text = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- settings:begin -->\n(.*?)\n<!-- settings:end -->", text, re.S)
    assert table is not None, "README lost its configuration table markers"
    assert table.group(1).strip() == render_markdown().strip(), (
        "README configuration table differs: paste shared.config_table.render_markdown()"
    )


def test_values_are_validated_once_at_the_boundary():
    s = Settings.from_env({"IDMESH_OCR_THREADS": "4", "DATABASE_URL": "postgresql://x/y"})
    assert s.ocr_threads == 4 and s.database_url == "postgresql://x/y"
    with pytest.raises(ValidationError):
        Settings.from_env({"IDMESH_OCR_THREADS": "0"})
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)


def _env_reads(path: Path) -> list[str]:
    """IDMESH_* names read from the environment (os.environ[...] / .get / getenv)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, str) and re.fullmatch(r"IDMESH_[A-Z0-9_]+", value):
            found.append(value)
    return found


def test_no_module_reads_an_undeclared_variable():
    """Only shared/config.py turns IDMESH_* variables into values (the model registry reads
    its per-model overrides, which its own README table lists)."""
    offenders = {}
    for path in list((ROOT / "shared").rglob("*.py")) + list((ROOT / "functions").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("shared/config.py", "shared/models/registry.py") or rel.startswith(
            "shared/local/"  # the supervisor sets its children's variables
        ):
            continue
        names = [n for n in _env_reads(path) if n != "IDMESH_"]
        declared = {f"IDMESH_{f.upper()}" for f in Settings.model_fields}
        undeclared = [n for n in names if n not in declared]
        if undeclared:
            offenders[rel] = undeclared
    assert offenders == {}
