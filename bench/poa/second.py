"""Proof of address on the second, independent generator (`tests/poa/generator2.py`).

Its issuers are invented (none is known to the engine), so the type must come from the
document's wording; its due dates lie after the issue date and often after "today", so a due
date taken for the issue date shows as a wrong date or `POA_DATE_IN_FUTURE`.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from shared.poa.check import run_proof_of_address
from shared.poa.names import compare as name_compare
from shared.poa.params import ProofOfAddressParams
from tests.poa import generator2 as g2
from tests.poa.context import FixedContext

FIELDS = ("type", "issue_date", "holder_name", "postcode", "house_number")


def checks(doc: dict, t: g2.Truth2) -> dict[str, bool]:
    addr = doc.get("address") or {}
    name = (doc.get("holder_name") or {}).get("value") or ""
    return {
        "type": doc["type"]["value"] == t.doc_type,
        "issue_date": (doc.get("issue_date") or {}).get("value") == t.issue_date.isoformat(),
        "holder_name": bool(name) and name_compare(name, t.name).score >= 0.95,
        "postcode": addr.get("postcode", "").replace(" ", "").upper()
        == t.postcode.replace(" ", "").upper(),
        "house_number": addr.get("house_number", "").lower() == t.house_number.lower(),
    }


def run(n: int, seed: int, verbose: bool = False) -> dict:
    params = ProofOfAddressParams()
    ctx = FixedContext(g2.TODAY)
    by_media: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    type_by: dict[str, list[bool]] = defaultdict(list)
    wrong_codes: dict[str, int] = defaultdict(int)
    confusions: dict[str, int] = defaultdict(int)
    docs = g2.corpus(n, seed)
    for i, d in enumerate(docs):
        t = d.truth
        r = run_proof_of_address(d.data, params, ctx, expected_name=t.name)
        if r.status.value == "error":
            wrong_codes[f"error:{r.warning_codes()[0]}"] += 1
            for f in FIELDS:
                by_media[t.media][f].append(False)
            continue
        c = checks(r.data["document"], t)
        for f, ok in c.items():
            by_media[t.media][f].append(ok)
        type_by[f"{t.doc_type}"].append(c["type"])
        if not c["type"]:
            confusions[f"{t.doc_type}->{r.data['document']['type']['value']}"] += 1
        for w in r.warnings:
            if w.code in ("POA_UNSUPPORTED_TYPE", "POA_DATE_IN_FUTURE", "POA_DATE_NOT_FOUND"):
                wrong_codes[w.code] += 1
        if verbose and not all(c.values()):
            bad = [k for k, v in c.items() if not v]
            print(f"  g2#{i} {t.media} {t.country} {t.doc_type} wrong: {bad}", file=sys.stderr)
    rate = _rate
    return {
        "documents": n,
        "seed": seed,
        "field_accuracy": {m: {f: rate(v) for f, v in fs.items()} for m, fs in by_media.items()},
        "field_accuracy_all": {
            f: rate([x for fs in by_media.values() for x in fs[f]]) for f in FIELDS
        },
        "type_by_true_type": {k: rate(v) for k, v in sorted(type_by.items())},
        "type_confusions": dict(confusions),
        "genuine_documents_with": dict(wrong_codes),
    }


def _rate(xs: list[bool]) -> dict:
    return {"n": len(xs), "rate": round(sum(xs) / len(xs), 3) if xs else None}
