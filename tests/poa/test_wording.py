"""Type and date from the document's own wording, on documents of the second generator
(hand-written PDFs and Pillow-drawn photos, invented issuers): the four cases of issue 14."""

from __future__ import annotations

import random
from datetime import timedelta

from shared.poa.check import run_proof_of_address
from shared.poa.classify import decide
from shared.poa.params import ProofOfAddressParams
from tests.poa import generator2 as g2
from tests.poa.context import FixedContext


def _run(doc: g2.Doc2):
    return run_proof_of_address(
        doc.data, ProofOfAddressParams(), FixedContext(g2.TODAY), expected_name=doc.truth.name
    )


def _codes(r) -> set[str]:
    return {w.code for w in r.warnings}


def _worded(
    seed: int, media: str, country: str, doc_type: str, issuer: str, title: str, body: list[str]
) -> g2.Doc2:
    """A document of `doc_type` whose title and body lines are the given wording."""
    return g2.make(
        random.Random(seed),
        media,
        country=country,
        doc_type=doc_type,
        issuer=issuer,
        wording={"title": title, "body": body},
    )


def test_uk_mobile_bill_of_an_unknown_operator_is_telecom_not_unsupported():
    doc = _worded(
        1,
        "text_pdf",
        "UK",
        "telecom",
        "Kestrel Connect",
        "Your monthly bill",
        ["Airtime plan 30GB", "Calls, texts and data", "Bundle allowance used"],
    )
    r = _run(doc)
    t = r.data["document"]["type"]
    assert t["value"] == "telecom", t
    assert "airtime plan" in t["evidence"]
    assert "POA_UNSUPPORTED_TYPE" not in _codes(r)
    # the unknown issuer is a warning, not a failure
    issuer_warnings = [w for w in r.warnings if w.code == "POA_ISSUER_UNKNOWN"]
    assert issuer_warnings and issuer_warnings[0].severity.value == "warning"


def test_french_due_date_is_not_the_issue_date():
    rng = random.Random(2)
    t = g2.make_truth(
        rng,
        country="FR",
        doc_type="utility",
        wording={"issue": "Facture du", "due": "Date limite de paiement", "due_first": True},
    )
    t.issue_date = g2.TODAY - timedelta(days=6)
    t.due_date = g2.TODAY + timedelta(days=12)  # ahead of today
    page, ops, rects = g2.layout(t, rng)
    r = _run(g2.Doc2(g2.write_pdf(page, ops, rects, "Helvetica"), t))
    assert r.data["document"]["issue_date"]["value"] == t.issue_date.isoformat()
    assert "POA_DATE_IN_FUTURE" not in _codes(r)


def test_us_checking_statement_of_a_known_bank_is_bank_not_card():
    doc = _worded(
        3,
        "text_pdf",
        "US",
        "bank",
        "JPMorgan Chase Bank",
        "Checking account statement",
        ["Beginning balance", "Card purchase  Grocer", "Card purchase  Fuel"],
    )
    r = _run(doc)
    assert r.data["document"]["type"]["value"] == "bank", r.data["document"]["type"]


def test_spanish_council_tax_receipt_is_tax_as_pdf_and_as_photo():
    pdf, photo = (
        _run(
            _worded(
                4,
                media,
                "ES",
                "tax",
                "Ayuntamiento de Sevilla",
                "Recibo del Impuesto sobre Bienes Inmuebles",
                ["Padrón municipal", "Referencia catastral", "Ejercicio 2026"],
            )
        )
        for media in ("text_pdf", "photo")
    )
    assert pdf.data["document"]["type"]["value"] == "tax"
    assert photo.data["document"]["type"]["value"] == "tax", photo.data["document"]["type"]


def test_words_glued_by_ocr_still_count_and_issuer_only_breaks_ties():
    glued = decide("RECIBODELIMPUESTOSOBREBIENESINMUEBLES Referenciacatastral 2026")
    assert glued.doc_type.value == "tax"
    # a bank issuer does not turn a checking statement with debit-card lines into a card
    d = decide("Checking account statement Debit card purchases Ending balance", "bank")
    assert d.doc_type.value == "bank"
    # a real credit-card statement from the same bank stays a card
    d = decide("Credit card statement Credit limit Minimum payment due", "bank")
    assert d.doc_type.value == "card"
    # a German card statement carries bank words too (balance, IBAN): card wording decides
    d = decide("Kreditkartenabrechnung Neuer Kontostand IBAN Kontoinhaber Kreditrahmen", "bank")
    assert d.doc_type.value == "card"
    # no wording at all: the known issuer's type, else other
    assert decide("Hello", "utility").doc_type.value == "utility"
    assert decide("Hello").doc_type.value == "other"
