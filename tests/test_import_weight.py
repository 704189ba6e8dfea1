"""What a function imports is what its cold start pays before it can serve (issue 11): a
function imports only what it needs. Each function module is imported in a fresh
interpreter and its heavy packages are listed; one it does not need fails the test."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.local.process import PROJECT_ROOT

# image, PDF and model libraries, and the embedded cluster's tooling (local runs only)
HEAVY = (
    "PIL",
    "cv2",
    "numpy",
    "onnxruntime",
    "reportlab",
    "pypdf",
    "rapidfuzz",
    "shared.db.cluster",
)
# functions that take no image and run no model
PLAIN = (
    "api",
    "orchestrator",
    "webhooks",
    "relay",
    "dead_letters",
    "provisioner",
    "email",
    "phone",
    "risk",
)
ALLOWED = {name: () for name in PLAIN}
# AML screens names (numpy vectors, rapidfuzz); the console renders case evidence (the
# document field comparison uses rapidfuzz) but makes PDF reports only when asked
ALLOWED |= {"aml": ("numpy", "rapidfuzz"), "console": ("rapidfuzz",)}


def _heavy_imports(function: str) -> list[str]:
    code = (
        f"import json, sys; import functions.{function}.main; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def imported() -> dict[str, list[str]]:
    """Every function's heavy imports, two fresh interpreters at a time."""
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(ALLOWED, pool.map(_heavy_imports, ALLOWED), strict=True))


@pytest.mark.parametrize("function", sorted(ALLOWED))
def test_a_function_imports_no_heavy_package_it_does_not_need(function, imported):
    extra = set(imported[function]) - set(ALLOWED[function])
    assert not extra, f"{function} imports {sorted(extra)} at start"


def test_the_check_finds_a_heavy_import():
    # a model function does import them: the probe sees what it looks for
    assert {"cv2", "numpy"} <= set(_heavy_imports("id_document"))
