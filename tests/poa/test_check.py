"""run_proof_of_address end to end on generated documents (real pdfium, real PP-OCR)."""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta

import pytest
from PIL import Image

from shared.cli.main import main as cli_main
from shared.poa.check import run_proof_of_address
from shared.poa.params import DocType, ProofOfAddressParams
from tests.poa import generator as g
from tests.poa.context import FixedContext


def _ctx(today: date = g.TODAY, name: str | None = None) -> FixedContext:
    return FixedContext(today, name)


def _doc(seed: int, **kw) -> tuple[bytes, g.Truth]:
    rng = random.Random(seed)
    truth = g.make_truth(rng, **kw)
    truth.issue_date = g.TODAY - timedelta(days=20)
    truth.pages = 1
    return g.render_pdf(truth, rng, "SAP NetWeaver 7.50"), truth


def _codes(r) -> set[str]:
    return {w.code for w in r.warnings if w.severity.value == "error"}


@pytest.fixture(scope="module")
def uk_bill():
    return _doc(11, country="UK", doc_type="utility")


def test_genuine_text_pdf_passes(uk_bill):
    pdf, t = uk_bill
    r = run_proof_of_address(
        pdf,
        ProofOfAddressParams(),
        _ctx(),
        expected_name=t.name,
        expected_address=g.declared_address(t, random.Random(1)),
    )
    doc = r.data["document"]
    assert r.status.value == "passed", r.warnings
    assert doc["issue_date"]["value"] == t.issue_date.isoformat()
    assert doc["issuer"]["value"] == t.issuer and doc["issuer"]["known"]
    assert doc["type"]["value"] == "utility"
    assert doc["address"]["postcode"] == t.address["postcode"]
    assert doc["holder_name"]["value"] == t.name
    assert r.data["tamper"]["suspected"] is False
    assert r.model and r.model[0].sha256  # the render comparison used PP-OCR


@pytest.mark.parametrize("country", ["US", "DE", "FR", "ES", "NL"])
def test_fields_per_country(country):
    pdf, t = _doc(20 + len(country) * 7 + ord(country[0]), country=country)
    r = run_proof_of_address(
        pdf,
        ProofOfAddressParams(compare_render_with_ocr=False),
        _ctx(),
        expected_name=t.name,
        expected_address=g.declared_address(t, random.Random(2)),
    )
    doc = r.data["document"]
    assert doc["issue_date"]["value"] == t.issue_date.isoformat()
    assert doc["address"]["house_number"].lower() == t.address["house_number"].lower()
    outcomes = {o["rule"]: o["outcome"] for o in r.data["rules"]}
    assert outcomes["name_match"] == "passed" and outcomes["address_match"] == "passed", r.data


def test_rules_fail_with_codes(uk_bill):
    pdf, t = uk_bill
    fast = ProofOfAddressParams(compare_render_with_ocr=False)
    r = run_proof_of_address(
        pdf,
        fast,
        _ctx(),
        expected_name="Zbigniew Kowalczyk",
        expected_address="1 Other Road, Leeds LS6 1BN",
    )
    assert {"POA_NAME_MISMATCH", "POA_ADDRESS_MISMATCH"} <= _codes(r)
    assert r.status.value == "failed"
    r = run_proof_of_address(pdf, fast, _ctx(t.issue_date + timedelta(days=130)))
    assert "POA_DOCUMENT_TOO_OLD" in _codes(r)
    r = run_proof_of_address(pdf, fast, _ctx(t.issue_date - timedelta(days=10)))
    assert "POA_DATE_IN_FUTURE" in _codes(r)
    r = run_proof_of_address(
        pdf, fast.model_copy(update={"accepted_types": [DocType.bank]}), _ctx()
    )
    assert "POA_UNSUPPORTED_TYPE" in _codes(r)
    # no expected name: the id_document name from the context is used
    r = run_proof_of_address(pdf, fast, _ctx(name="Someone Else"))
    assert "POA_NAME_MISMATCH" in _codes(r)
    assert (
        next(o for o in r.data["rules"] if o["rule"] == "name_match")["expected_source"]
        == "id_document"
    )
    # without a context nor expectations the rules are reported as not evaluated
    r = run_proof_of_address(pdf, fast, None)
    assert "name_match" in r.data["rules_not_evaluated"]


def test_unknown_issuer_is_a_warning():
    rng = random.Random(5)
    t = g.make_truth(rng, country="DE", doc_type="utility")
    t.issuer = "Stadtwerke Kleinhausen"
    t.issue_date = g.TODAY - timedelta(days=10)
    pdf = g.render_pdf(t, rng, "SAP")
    r = run_proof_of_address(pdf, ProofOfAddressParams(compare_render_with_ocr=False), _ctx())
    assert "POA_ISSUER_UNKNOWN" in r.warning_codes()
    r = run_proof_of_address(
        pdf,
        ProofOfAddressParams(
            compare_render_with_ocr=False, known_issuers=["Stadtwerke Kleinhausen"]
        ),
        _ctx(),
    )
    assert "POA_ISSUER_UNKNOWN" not in r.warning_codes()


def _signals(r) -> set[str]:
    return {s["code"] for s in r.data["tamper"]["signals"]}


def test_incremental_overlay_is_detected(uk_bill):
    pdf, t = uk_bill
    forged, _ = g.forge_incremental(pdf, t, random.Random(3))
    r = run_proof_of_address(forged, ProofOfAddressParams(), _ctx())
    assert "POA_SUSPECTED_MANIPULATION" in _codes(r)
    assert {"PDF_INCREMENTAL_UPDATE", "PDF_OVERLAY_BOX"} <= _signals(r)
    inc = next(s for s in r.data["tamper"]["signals"] if s["code"] == "PDF_INCREMENTAL_UPDATE")
    assert inc["evidence"]["revision"] == 1


def test_pasted_image_is_detected(uk_bill):
    pdf, t = uk_bill
    forged, _ = g.forge_pasted_image(pdf, t, random.Random(4))
    r = run_proof_of_address(forged, ProofOfAddressParams(), _ctx())
    assert "PDF_IMAGE_OVER_TEXT" in _signals(r)
    assert r.data["tamper"]["suspected"]


def test_editor_reexport_is_detected(uk_bill):
    _, t = uk_bill
    forged, _ = g.forge_reexport(t, random.Random(5))
    r = run_proof_of_address(forged, ProofOfAddressParams(compare_render_with_ocr=False), _ctx())
    assert "PDF_EDITOR_SOFTWARE" in _signals(r)


def test_benign_metadata_update_is_not_manipulation(uk_bill):
    pdf, t = uk_bill
    r = run_proof_of_address(
        g.benign_metadata_update(pdf), ProofOfAddressParams(), _ctx(), expected_name=t.name
    )
    assert _signals(r) == {"PDF_METADATA_UPDATE"}
    assert not r.data["tamper"]["suspected"]
    assert r.status.value == "passed"


def test_photo_is_read_by_ocr(uk_bill):
    pdf, t = uk_bill
    rng = random.Random(6)
    photo = g.jpeg_bytes(g.photograph(g.render_page(pdf, 150), rng, 0.6), 88)
    r = run_proof_of_address(photo, ProofOfAddressParams(), _ctx(), expected_name=t.name)
    doc = r.data["document"]
    assert r.data["reading"]["source"] == "ocr"
    assert doc["issue_date"]["value"] == t.issue_date.isoformat()
    assert doc["address"]["postcode"] == t.address["postcode"]
    assert not r.data["tamper"]["suspected"]
    # the same photo saved again by an editor
    im = Image.open(io.BytesIO(photo))
    edited = g.jpeg_bytes(im, 95, exif_software="Adobe Photoshop 25.0 (Windows)")
    r2 = run_proof_of_address(edited, ProofOfAddressParams(), _ctx())
    assert {"IMAGE_EDITOR_SOFTWARE", "IMAGE_DOUBLE_JPEG"} <= _signals(r2)
    assert "POA_SUSPECTED_MANIPULATION" in _codes(r2)


def test_cli_json(uk_bill, tmp_path, capsys):
    pdf, t = uk_bill
    f = tmp_path / "bill.pdf"
    f.write_bytes(pdf)
    rc = cli_main(
        [
            "check",
            "proof_of_address",
            str(f),
            "--name",
            t.name,
            "--today",
            g.TODAY.isoformat(),
            "--params",
            '{"compare_render_with_ocr": false}',
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["check"] == "proof_of_address" and out["status"] == "passed"
    rc = cli_main(["check", "proof_of_address", str(f), "--params", '{"bogus": 1}', "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["warnings"][0]["code"] == "POA_INVALID_PARAMS"


def test_blank_image_is_unreadable():
    buf = io.BytesIO()
    Image.new("RGB", (800, 1100), (250, 250, 250)).save(buf, "PNG")
    r = run_proof_of_address(buf.getvalue(), ProofOfAddressParams(), _ctx())
    assert r.status.value == "error"
    assert r.warning_codes() == ["POA_UNREADABLE"]
