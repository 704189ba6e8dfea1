"""`python -m bench.poa [--n 200]`: proof-of-address figures on generated documents.

Prints field accuracy per field (genuine documents, by how they were read), tamper detection
(true positive rate per forgery kind, false positive rate per genuine kind), rule accuracy
(name and address match against right and wrong declared values, recency) and latency
p50/p95 for a one-page text PDF and a one-page photo, with ready time and peak memory; then
the same fields on the second, independent generator (`--n2`), side by side.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from collections import defaultdict

from bench.poa import second
from bench.stats import percentile
from shared.poa.address import compare as addr_compare
from shared.poa.address import parse_lines
from shared.poa.check import run_proof_of_address
from shared.poa.names import compare as name_compare
from shared.poa.params import ProofOfAddressParams
from tests.poa import generator as g
from tests.poa.context import FixedContext


def _field_checks(doc: dict, truth: g.Truth) -> dict[str, bool]:
    d = doc
    addr = d.get("address") or {}
    want = parse_lines(truth.address_lines, truth.country) or None
    addr_ok = False
    if addr and want:
        from shared.poa.address import Address

        got = Address(
            **{
                k: addr.get(k, "")
                for k in ("house_number", "street", "unit", "postcode", "city", "state", "country")
            }
        )
        m = addr_compare(got, want)
        addr_ok = m.matched and all(c["match"] for c in m.components.values())
    refs = [r["value"].replace(" ", "") for r in d.get("account_references", [])]
    name = (d.get("holder_name") or {}).get("value") or ""
    return {
        "type": d["type"]["value"] == truth.doc_type,
        "issuer": d["issuer"]["value"] == truth.issuer,
        "issue_date": (d.get("issue_date") or {}).get("value") == truth.issue_date.isoformat(),
        "holder_name": bool(name) and name_compare(name, truth.name).score >= 0.95,
        "address": addr_ok,
        "postcode": bool(addr)
        and addr.get("postcode", "").replace(" ", "").upper()
        == truth.address["postcode"].replace(" ", "").upper(),
        "house_number": bool(addr)
        and addr.get("house_number", "").lower().replace(" ", "")
        == truth.address["house_number"].lower().replace(" ", ""),
        "account_ref": truth.account_refs[0] in refs,
    }


def run(n: int, seed: int, latency_runs: int, verbose: bool) -> dict:
    rng = random.Random(seed + 1)
    t0 = time.perf_counter()
    from shared.poa import ocr

    ocr.warm_up()
    ready_s = time.perf_counter() - t0
    print(f"generating {n} documents (seed {seed})...", file=sys.stderr)
    corpus = g.make_corpus(n, seed)
    params = ProofOfAddressParams()
    ctx = FixedContext(g.TODAY)
    fields: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    tamper_pos: dict[str, list[bool]] = defaultdict(list)
    tamper_neg: dict[str, list[bool]] = defaultdict(list)
    signal_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rule_acc: dict[str, list[bool]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    durations: dict[str, list[float]] = defaultdict(list)
    for i, s in enumerate(corpus):
        t = s.truth
        right_name = rng.random() < 0.75
        right_addr = rng.random() < 0.75
        exp_name = t.name if right_name else g.other_person(t, rng)
        exp_addr = g.declared_address(t, rng) if right_addr else g.other_address(t, rng)
        r = run_proof_of_address(
            s.data, params, ctx, expected_name=exp_name, expected_address=exp_addr
        )
        variant = t.forgery or (
            t.kind + ("_meta_update" if s.media == "pdf" and s.data.count(b"%%EOF") > 1 else "")
        )
        durations[variant].append(r.duration_ms)
        if r.status.value == "error":
            errors[r.warning_codes()[0]] += 1
            if t.forged:
                tamper_pos[variant].append(False)
            else:
                tamper_neg[variant].append(False)
            continue
        suspected = bool(r.data["tamper"]["suspected"])
        for sig in r.data["tamper"]["signals"]:
            signal_counts[variant][sig["code"]] += 1
        codes = set(r.warning_codes())
        if t.forged:
            tamper_pos[variant].append(suspected)
            continue
        tamper_neg[variant].append(suspected)
        checks = _field_checks(r.data["document"], t)
        for k, v in checks.items():
            fields[t.kind][k].append(v)
        if verbose and not all(checks.values()):
            bad = [k for k, v in checks.items() if not v]
            print(f"#{i} {t.kind} {t.country} {t.doc_type} wrong: {bad}", file=sys.stderr)
        # rules against the truth
        too_old = (g.TODAY - t.issue_date).days > 0 and (
            (g.TODAY.year - t.issue_date.year) * 12
            + g.TODAY.month
            - t.issue_date.month
            + (g.TODAY.day - t.issue_date.day) / 31.0
        ) > params.max_age_months
        rule_acc["recency"].append(("POA_DOCUMENT_TOO_OLD" in codes) == too_old)
        mism_name = "POA_NAME_MISMATCH" in codes or "POA_NAME_NOT_FOUND" in codes
        rule_acc["name_right_accepted" if right_name else "name_wrong_rejected"].append(
            mism_name != right_name
        )
        mism_addr = "POA_ADDRESS_MISMATCH" in codes or "POA_ADDRESS_NOT_FOUND" in codes
        rule_acc["address_right_accepted" if right_addr else "address_wrong_rejected"].append(
            mism_addr != right_addr
        )
        if (i + 1) % 25 == 0:
            print(f"  {i + 1}/{n}", file=sys.stderr)

    # latency on fixed one-page inputs
    lrng = random.Random(seed + 99)
    pdf, truth = g.make_document(lrng, country="UK", doc_type="utility")
    while truth.pages != 1:
        pdf, truth = g.make_document(lrng, country="UK", doc_type="utility")
    photo = g.jpeg_bytes(g.photograph(g.render_page(pdf, 150), lrng, 0.7), 88)
    lat: dict[str, list[float]] = {"text_pdf_1page": [], "photo_1page": []}
    for _ in range(latency_runs):
        for name, data in (("text_pdf_1page", pdf), ("photo_1page", photo)):
            t1 = time.perf_counter()
            run_proof_of_address(data, params, ctx, expected_name=truth.name)
            lat[name].append((time.perf_counter() - t1) * 1000)
    no_ocr = ProofOfAddressParams(compare_render_with_ocr=False)
    lat["text_pdf_1page_no_render_ocr"] = []
    for _ in range(latency_runs):
        t1 = time.perf_counter()
        run_proof_of_address(pdf, no_ocr, ctx, expected_name=truth.name)
        lat["text_pdf_1page_no_render_ocr"].append((time.perf_counter() - t1) * 1000)

    def rate(xs: list[bool]) -> dict:
        return {"n": len(xs), "rate": round(sum(xs) / len(xs), 3) if xs else None}

    all_pos = [x for v in tamper_pos.values() for x in v]
    all_neg = [x for v in tamper_neg.values() for x in v]
    out = {
        "documents": n,
        "seed": seed,
        "field_accuracy": {kind: {k: rate(v) for k, v in f.items()} for kind, f in fields.items()},
        "field_accuracy_all": {
            k: rate([x for f in fields.values() for x in f.get(k, [])])
            for k in next(iter(fields.values()), {})
        },
        "tamper": {
            "tpr": rate(all_pos),
            "fpr": rate(all_neg),
            "tpr_by_forgery": {k: rate(v) for k, v in tamper_pos.items()},
            "fpr_by_genuine_kind": {k: rate(v) for k, v in tamper_neg.items()},
            "signals_by_variant": {k: dict(v) for k, v in signal_counts.items()},
        },
        "rules": {k: rate(v) for k, v in rule_acc.items()},
        "errors": dict(errors),
        "latency_ms": {
            k: {
                "p50": round(statistics.median(v), 1),
                "p95": round(percentile(v, 0.95), 1),
                "runs": len(v),
            }
            for k, v in lat.items()
        },
        "corpus_duration_ms_p50": {k: round(statistics.median(v), 1) for k, v in durations.items()},
        "ready_seconds": round(ready_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    return out


def _print_side_by_side(res: dict) -> None:
    g2r = res["second_generator"]
    print(
        "both generators side by side (genuine documents; generator 2 = tests/poa/generator2.py:"
        " hand-written PDFs, Pillow-drawn photos, invented issuers, 7 countries):"
    )
    media = list(g2r["field_accuracy"])
    print(
        "  "
        + "field".ljust(14)
        + "gen1 all".ljust(18)
        + "gen2 all".ljust(18)
        + "".join(f"gen2 {m}".ljust(20) for m in media)
    )
    for f in second.FIELDS:
        g1 = res["field_accuracy_all"].get(f, {})
        g2v = g2r["field_accuracy_all"][f]
        row = "  " + f.ljust(14) + f"{g1.get('rate')} (n={g1.get('n')})".ljust(18)
        row += f"{g2v['rate']} (n={g2v['n']})".ljust(18)
        for m in media:
            v = g2r["field_accuracy"][m][f]
            row += f"{v['rate']} (n={v['n']})".ljust(20)
        print(row)
    print(
        "  gen2 type by true type: "
        + ", ".join(f"{k} {v['rate']}" for k, v in g2r["type_by_true_type"].items())
    )
    print(f"  gen2 type confusions: {g2r['type_confusions'] or 'none'}")
    print(f"  gen2 genuine documents with: {g2r['genuine_documents_with'] or 'nothing'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.poa")
    p.add_argument("--n", type=int, default=200, help="generated documents (default 200)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--latency-runs", type=int, default=10)
    p.add_argument("--verbose", action="store_true", help="list the wrongly read documents")
    p.add_argument("--json", action="store_true", help="print JSON only")
    p.add_argument("--n2", type=int, default=70, help="documents of the second generator (0: skip)")
    p.add_argument("--seed2", type=int, default=21)
    a = p.parse_args(argv)
    res = run(a.n, a.seed, a.latency_runs, a.verbose)
    if a.n2:
        print(f"second generator: {a.n2} documents (seed {a.seed2})...", file=sys.stderr)
        res["second_generator"] = second.run(a.n2, a.seed2, a.verbose)
    if a.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"proof_of_address bench: {res['documents']} documents, seed {res['seed']}")
    print("field accuracy (genuine documents):")
    kinds = list(res["field_accuracy"])
    names = list(res["field_accuracy_all"])
    print("  " + "field".ljust(14) + "".join(k.ljust(16) for k in kinds) + "all")
    for f in names:
        row = "  " + f.ljust(14)
        for k in kinds:
            v = res["field_accuracy"][k].get(f, {})
            row += f"{v.get('rate')} (n={v.get('n')})".ljust(16)
        v = res["field_accuracy_all"][f]
        print(row + f"{v['rate']} (n={v['n']})")
    t = res["tamper"]
    print(
        f"tamper: TPR {t['tpr']['rate']} (n={t['tpr']['n']}), FPR {t['fpr']['rate']} "
        f"(n={t['fpr']['n']})"
    )
    for k, v in t["tpr_by_forgery"].items():
        print(f"  TPR {k}: {v['rate']} (n={v['n']})")
    for k, v in t["fpr_by_genuine_kind"].items():
        print(f"  FPR {k}: {v['rate']} (n={v['n']})")
    print("rules:")
    for k, v in res["rules"].items():
        print(f"  {k}: {v['rate']} (n={v['n']})")
    print("latency (ms):")
    for k, v in res["latency_ms"].items():
        print(f"  {k}: p50 {v['p50']}  p95 {v['p95']}  (runs {v['runs']})")
    print(f"ready (OCR load + warm-up): {res['ready_seconds']} s; peak RSS {res['peak_rss_mb']} MB")
    if res["errors"]:
        print(f"errors: {res['errors']}")
    if "second_generator" in res:
        _print_side_by_side(res)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
