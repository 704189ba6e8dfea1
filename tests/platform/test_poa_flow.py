"""Proof of address on the platform: the step with the session's expected name and address,
a forged bill flagged, and the standalone check."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from tests.conftest import create_workflow, run_session, tenant_on
from tests.poa.generator import forge_incremental, make_truth, render_pdf


@pytest.fixture(scope="module")
def bill():
    rng = random.Random(42)
    truth = make_truth(rng, country="UK", doc_type="utility", today=date.today())
    truth.issue_date = date.today() - timedelta(days=12)
    pdf = render_pdf(truth, rng, "ReportLab PDF Library - www.reportlab.com")
    forged, _ = forge_incremental(pdf, truth, random.Random(7))
    return truth, pdf, forged


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


def _tenant(api, pg):
    return tenant_on(api, pg, "Bill Co")


def _run(api, key, wf, pdf: bytes, expected: dict) -> dict:
    uploads = [("address_document", "bill.pdf", pdf, "application/pdf")]
    return run_session(api, key, wf, uploads, body={"expected": expected})


def test_bill_checked_against_the_session_and_forgery_flagged(api, pg, bill):
    truth, pdf, forged = bill
    key = _tenant(api, pg)
    wf = create_workflow(api, key, {"name": "address", "steps": [{"check": "proof_of_address"}]})
    first, last = truth.name.split(" ", 1)
    expected = {"first_name": first, "last_name": last, "address": ", ".join(truth.address_lines)}
    good = _run(api, key, wf, pdf, expected)
    poa = next(c for c in good["checks"] if c["check"] == "proof_of_address")
    codes = [w["code"] for w in poa["warnings"]]
    assert poa["status"] == "passed", codes
    assert good["status"] == "approved"

    bad = _run(api, key, wf, forged, expected)
    poa = next(c for c in bad["checks"] if c["check"] == "proof_of_address")
    assert "POA_SUSPECTED_MANIPULATION" in [w["code"] for w in poa["warnings"]]
    assert bad["status"] in ("declined", "in_review")

    other = _run(api, key, wf, pdf, {"first_name": "Someone", "last_name": "Else"})
    poa = next(c for c in other["checks"] if c["check"] == "proof_of_address")
    assert "POA_NAME_MISMATCH" in [w["code"] for w in poa["warnings"]]
    assert other["status"] != "approved"


def test_standalone_proof_of_address(api, pg, bill):
    truth, pdf, _ = bill
    key = _tenant(api, pg)
    r = api.post(
        "/v1/checks/proof_of_address",
        headers=key,
        data={"name": truth.name},
        files={"file": ("bill.pdf", pdf, "application/pdf")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["check"] == "proof_of_address" and r.json()["status"] == "passed"
    hostile = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>"
    r = api.post(
        "/v1/checks/proof_of_address",
        headers=key,
        files={"file": ("x.pdf", hostile, "application/pdf")},
    )
    assert r.status_code == 200 and r.json()["status"] == "error"
