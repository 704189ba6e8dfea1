"""name_bench: our comparator on OpenSanctions' labelled pairs, against logic-v2 (F1 0.796)."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from shared.aml.names import DEFAULT_WEIGHTS, NameWeights, compare_names
from shared.aml.normalize import kind_of

LOGIC_V2 = {"threshold": 0.7, "precision": 0.760, "recall": 0.835, "f1": 0.796}


def default_cases_path() -> Path:
    root = Path(__file__).resolve().parents[2]
    for base in (root.parent / "shared", root / "shared"):
        p = base / "data" / "aml" / "name_bench_cases.csv"
        if p.exists():
            return p
    return root.parent / "shared" / "data" / "aml" / "name_bench_cases.csv"


@dataclass
class Case:
    schema: str
    name1: str
    name2: str
    is_match: bool
    category: str
    quality: str


def load_cases(path: Path | None = None) -> list[Case]:
    with open(path or default_cases_path(), encoding="utf-8") as fh:
        return [
            Case(
                r["schema"],
                r["name1"],
                r["name2"],
                r["is_match"].strip().lower() == "true",
                r["category"] or "(uncategorised)",
                r["quality"],
            )
            for r in csv.DictReader(fh)
        ]


def score_cases(cases: list[Case], weights: NameWeights = DEFAULT_WEIGHTS) -> list[float]:
    return [compare_names(c.name1, c.name2, kind_of(c.schema), weights).score for c in cases]


def prf(labels: list[bool], preds: list[bool]) -> dict[str, float]:
    tp = sum(1 for y, p in zip(labels, preds, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, preds, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, preds, strict=True) if y and not p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"n": len(labels), "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}


def best_threshold(labels: list[bool], scores: list[float]) -> float:
    grid = [x / 100 for x in range(40, 96)]
    return max(grid, key=lambda t: (prf(labels, [s >= t for s in scores])["f1"], -abs(t - 0.7)))


def coarse_category(c: Case) -> str:
    cat = c.category
    if cat in ("LLM-proposed deviation", "(uncategorised)"):
        return f"{cat} / {c.schema}"
    return "nomenklatura unit-test & typology cases"


def run(threshold: float | None = None, show_errors: bool = False) -> dict:
    cases = load_cases()
    t0 = time.perf_counter()
    scores = score_cases(cases)
    per_pair_us = (time.perf_counter() - t0) / len(cases) * 1e6
    labels = [c.is_match for c in cases]
    fixed = threshold if threshold is not None else 0.7
    overall = prf(labels, [s >= fixed for s in scores])
    # Honest split: tune the single threshold on even rows, report on odd rows, and vice versa.
    even = list(range(0, len(cases), 2))
    odd = list(range(1, len(cases), 2))
    split = {}
    for name, tune, test in (("tune-even/test-odd", even, odd), ("tune-odd/test-even", odd, even)):
        t = best_threshold([labels[i] for i in tune], [scores[i] for i in tune])
        split[name] = {"threshold": t} | prf(
            [labels[i] for i in test], [scores[i] >= t for i in test]
        )
    tuned_t = best_threshold(labels, scores)
    tuned = {"threshold": tuned_t} | prf(labels, [s >= tuned_t for s in scores])
    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        by_cat[coarse_category(c)].append(i)
        by_cat[f"schema={c.schema}"].append(i)
        by_cat[f"quality={c.quality}"].append(i)
    cats = {
        k: prf([labels[i] for i in v], [scores[i] >= fixed for i in v])
        for k, v in sorted(by_cat.items())
    }
    fine: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        fine[c.category].append(i)
    fine_cats = {
        k: prf([labels[i] for i in v], [scores[i] >= fixed for i in v])
        for k, v in sorted(fine.items())
    }
    errors = [
        (
            c.is_match,
            round(s, 3),
            c.schema,
            c.name1,
            c.name2,
            c.notes if hasattr(c, "notes") else "",
        )
        for c, s in zip(cases, scores, strict=True)
        if (s >= fixed) != c.is_match
    ]
    return {
        "threshold": fixed,
        "overall": overall,
        "split": split,
        "tuned_on_whole_set": tuned,
        "by_category": cats,
        "by_fine_category": fine_cats,
        "per_pair_us": per_pair_us,
        "errors": errors if show_errors else [],
        "logic_v2": LOGIC_V2,
    }


def print_report(res: dict, fine: bool = False) -> None:
    o = res["overall"]
    print(f"name_bench: {o['n']} pairs, threshold {res['threshold']} (fixed default, not tuned)")
    print(f"  ours      P {o['precision']:.3f}  R {o['recall']:.3f}  F1 {o['f1']:.3f}")
    lv = res["logic_v2"]
    print(f"  logic-v2  P {lv['precision']:.3f}  R {lv['recall']:.3f}  F1 {lv['f1']:.3f} (t 0.7)")
    for name, s in res["split"].items():
        print(
            f"  split {name}: t={s['threshold']:.2f} on the tune half → test half "
            f"P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} (n={s['n']})"
        )
    t = res["tuned_on_whole_set"]
    print(
        f"  threshold tuned on the whole set (optimistic): t={t['threshold']:.2f} "
        f"P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f}"
    )
    print(f"  mean {res['per_pair_us']:.0f} µs per pair (cold caches)")
    print("  by category (fixed threshold):")
    for k, v in res["by_category"].items():
        print(
            f"    {k:<48} n={v['n']:>4} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}"
        )
    if fine:
        print("  by the file's own category column (fixed threshold):")
        for k, v in res["by_fine_category"].items():
            print(
                f"    {k[:40]:<40} n={v['n']:>4} tp {v['tp']:>3} fp {v['fp']:>3} fn {v['fn']:>3} "
                f"accuracy {(v['n'] - v['fp'] - v['fn']) / v['n']:.3f}"
            )
    for e in res["errors"]:
        print("   ERR", e)
