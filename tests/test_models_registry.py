"""One model registry: every model's file, hash and licence in one place, the README table
generated from it, one override variable per model, one PP-OCR engine per process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.models import registry
from shared.models.registry import MODELS, ModelUnavailable, file_sha256, model_info, model_path
from shared.models.table import render_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("key", sorted(MODELS))
def test_installed_file_is_the_registered_one(key):
    assert file_sha256(model_path(key)) == MODELS[key].sha256


def test_readme_table_is_generated_from_the_registry():
    text = README.read_text()
    table = re.search(r"<!-- models:begin -->\n(.*?)\n<!-- models:end -->", text, re.S)
    assert table is not None, "README lost its model table markers"
    assert table.group(1).strip() == render_markdown().strip(), (
        "README model table differs from the registry: paste shared.models.table.render_markdown()"
    )


def test_one_override_name_per_model(monkeypatch, tmp_path):
    names = [m.env for m in MODELS.values()]
    assert len(set(names)) == len(names)
    replacement = tmp_path / "other.onnx"
    replacement.write_bytes(b"operator weights")
    monkeypatch.setenv(MODELS["yunet"].env, str(replacement))
    assert model_path("yunet") == replacement
    info = model_info("yunet")
    assert info.name.endswith(":operator") and info.sha256 != MODELS["yunet"].sha256
    monkeypatch.setenv(MODELS["yunet"].env, str(tmp_path / "missing.onnx"))
    with pytest.raises(ModelUnavailable):
        model_path("yunet")


def test_no_engine_reads_its_own_model_variable():
    """Only the registry turns IDMESH_MODEL_* into paths (the old per-engine names are gone)."""
    shared = Path(registry.__file__).resolve().parents[1]
    offenders = [
        str(p.relative_to(shared))
        for p in shared.rglob("*.py")
        if p.name != "registry.py" and re.search(r"[\"']IDMESH_MODEL_[A-Z]", p.read_text())
    ]
    assert offenders == []


def test_documents_and_proof_of_address_share_one_ocr_engine():
    from shared.documents import ocr as documents_ocr
    from shared.poa import ocr as poa_ocr

    doc_reader = documents_ocr.get_engine()
    page_reader = poa_ocr.load()
    assert doc_reader.networks is page_reader.networks
    names = {m.name for m in page_reader.models}
    assert names == {MODELS["ocr_det"].name, MODELS["ocr_rec"].name}
