"""Benchmark of the id_document engine on documents from two independent generators.

    python -m bench.documents [--n 300] [--n2 220] [--latency-n 40] [--seed 5000] [--json OUT]
    python -m bench.documents --cues-only [--n 30] [--n2 40] [--forgeries 12] [--seed 6000]

Prints, for `tests/documents/generator.py` (generator A, `--n`) and for the independently
written `tests/documents/generator2.py` (generator B, `--n2`: its own layouts and capture
conditions), accuracy by condition and by kind (MRZ found / exact / check digits valid, per
field, barcode, portrait, false mismatch warnings, error codes), then a side-by-side summary
of both; latency p50/p95 (front only on 1280x800 TD3 fronts; front + back on TD1 cards and
driving licences), where the time goes (per stage), memory (RSS) and ready time of a fresh
process (import + load + warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from shared.documents import codes
from shared.documents.check import run_id_document, warm_up
from shared.documents.params import IdDocumentParams
from shared.documents.viz import name_key
from tests.documents import forgeries, generator2
from tests.documents.generator import CONDITIONS, KINDS, make_sample

FIELDS = (
    "surname",
    "given_names",
    "document_number",
    "date_of_birth",
    "expiry_date",
    "sex",
    "nationality",
)


class Ctx:
    def is_blocklisted_document(self, number_hash: str) -> bool:
        return False

    def sessions_with_document(self, number_hash: str) -> list[str]:
        return []

    def store_portrait(self, jpeg: bytes) -> str:
        return "art"

    def today(self) -> date:
        return date(2026, 1, 1)


def _same(field: str, got: str | None, want: str) -> bool:
    if got is None:
        return False
    if field in ("surname", "given_names"):
        return name_key(str(got), icao=True) == name_key(want, icao=True) or name_key(
            str(got)
        ) == name_key(want)
    return str(got) == want


def _pct(a: list[float], p: float) -> float:
    return round(float(np.percentile(a, p)), 1) if a else float("nan")


def _rss_mb() -> tuple[float, float]:
    cur = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(cur, 1), round(peak, 1)


def ready_time() -> float:
    code = (
        "import time; t=time.perf_counter();"
        "from shared.documents.check import warm_up; warm_up();"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    return round(float(out.stdout.strip().splitlines()[-1]) * 1000, 1)


MRZ_KINDS = ("td3", "td1", "td2", "mrva", "mrvb")
MISMATCH = {
    codes.MRZ_AND_VIZ_MISMATCH,
    codes.BARCODE_AND_FRONT_MISMATCH,
    codes.DOCUMENT_SIDES_MISMATCH,
}


def evaluate(kind: str, truth: dict, r: Any) -> dict[str, float]:
    """Figures for one document (result `r` of run_id_document against the truth)."""
    m: dict[str, float] = {}
    d = r.data
    m["error"] = float(r.status == "error")
    if kind in MRZ_KINDS:
        mrz = d.get("mrz") or {}
        m["mrz_found"] = float(bool(mrz))
        m["mrz_exact"] = float(mrz.get("lines") == truth["mrz"])
        m["mrz_checks_valid"] = float(bool(mrz.get("checks_valid")))
    if kind == "dl":
        bc = d.get("barcode") or {}
        m["barcode_read"] = float(bool(bc))
        m["barcode_exact"] = float(
            bool(bc)
            and all(
                _same(f, bc.get(f), truth["fields"][f])
                for f in ("surname", "given_names", "document_number", "date_of_birth")
            )
        )
    fields = d.get("fields", {})
    for f in FIELDS:
        if kind == "dl" and f == "nationality":
            continue
        m[f"field_{f}"] = float(_same(f, fields.get(f, {}).get("value"), truth["fields"][f]))
    m["portrait"] = float(bool(d.get("portrait", {}).get("detected")))
    wc = set(r.warning_codes())
    m["false_mismatch"] = float(bool(wc & MISMATCH))
    exp_truth = truth["fields"]["expiry_date"] < "2026-01-01"
    m["expiry_rule_right"] = float((codes.DOCUMENT_EXPIRED in wc) == exp_truth)
    return m


Table = dict[str, dict[str, list[float]]]


def _print_table(title: str, rows: Table, order: list[str]) -> None:
    metrics = sorted({k for d in rows.values() for k in d})
    print(f"\n{title} (share of documents; n per row in brackets)")
    print("condition".ljust(15) + "".join(k[:16].rjust(17) for k in metrics))
    for name in order:
        row = rows.get(name)
        if not row:
            continue
        n = max(len(v) for v in row.values())
        cells = "".join(
            (f"{np.mean(row[k]):.3f}" if row.get(k) else "-").rjust(17) for k in metrics
        )
        print(f"{name}[{n}]".ljust(15) + cells)


def _add(tables: list[Table], keys: list[str], m: dict[str, float]) -> None:
    for t, key in zip(tables, keys, strict=True):
        for k, v in m.items():
            t[key][k].append(v)


def _table() -> Table:
    return defaultdict(lambda: defaultdict(list))


def _means(t: Table) -> dict[str, dict[str, float]]:
    return {c: {k: round(float(np.mean(v)), 4) for k, v in r.items()} for c, r in t.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.documents")
    ap.add_argument("--n", type=int, default=300, help="documents from generator A")
    ap.add_argument("--n2", type=int, default=220, help="documents from generator B")
    ap.add_argument("--real", type=Path, help="folder of real images with a truth.json")
    ap.add_argument("--forgeries", type=int, default=10, help="forged documents per kind")
    ap.add_argument("--latency-n", type=int, default=40, help="TD3 fronts timed front-only")
    ap.add_argument("--seed", type=int, default=5000)
    ap.add_argument(
        "--cues-only",
        action="store_true",
        help="only the image cues (photocopy, screen, portrait) on genuine fronts and "
        "forgeries: document detection, portrait and forensics, no OCR (fast calibration)",
    )
    ap.add_argument("--json", type=Path, help="write all figures to this JSON file")
    ap.add_argument(
        "--failures",
        action="store_true",
        help="print every MRZ read inexactly (generator, kind, condition, seed, lines)",
    )
    args = ap.parse_args(argv)
    if args.cues_only:
        return cues_only(args.n, args.n2, args.forgeries, args.seed)

    print(f"threads: IDMESH_OCR_THREADS={os.environ.get('IDMESH_OCR_THREADS', '2')}", flush=True)
    t = time.perf_counter()
    ready_ms = ready_time()
    print(f"ready time (fresh process: import + load + warm-up): {ready_ms} ms", flush=True)
    warm_up()
    print(f"warm-up in this process: {round((time.perf_counter() - t) * 1000)} ms", flush=True)
    rss_loaded = _rss_mb()

    a_cond, a_kind, b_cond, b_kind = _table(), _table(), _table(), _table()
    genuine: dict[str, dict[str, list[float]]] = {"A": defaultdict(list), "B": defaultdict(list)}
    b_codes: dict[str, int] = defaultdict(int)
    lat_fb: list[float] = []
    stage: dict[str, list[float]] = defaultdict(list)
    combos = [(k, c) for c in CONDITIONS for k in KINDS]
    gen_ms: list[float] = []
    for i in range(args.n):
        kind, cond = combos[i % len(combos)]
        t = time.perf_counter()
        s = make_sample(kind, cond, args.seed + i)
        gen_ms.append((time.perf_counter() - t) * 1000)
        r = run_id_document(s.front, s.back, IdDocumentParams(), Ctx())
        if s.back is not None:
            lat_fb.append(r.duration_ms)
        m = evaluate(kind, s.truth, r)
        _add([a_cond, a_kind, a_cond], [cond, kind, "ALL"], m)
        if args.failures:
            _show_failure("A", kind, cond, s.seed, s.truth, r, m)
        _cues(r, genuine["A"])
        if (i + 1) % 30 == 0:
            print(f"  A {i + 1}/{args.n} documents", flush=True)
    for i in range(args.n2):
        s2 = generator2.sample_at(i, seed=args.seed)
        r = run_id_document(s2.front, s2.back, IdDocumentParams(), Ctx())
        m = evaluate(s2.kind, s2.truth, r)
        _add([b_cond, b_kind, b_cond], [s2.condition, s2.kind, "ALL"], m)
        if args.failures:
            _show_failure("B", s2.kind, s2.condition, s2.seed, s2.truth, r, m)
        _cues(r, genuine["B"])
        for c in r.warning_codes():
            b_codes[c] += 1
        if (i + 1) % 30 == 0:
            print(f"  B {i + 1}/{args.n2} documents", flush=True)

    if args.real:
        real_set(args.real)

    # visual fraud cues: forgeries made by tests/documents/forgeries.py, checked with the
    # same parameters as the genuine documents above (the font cue needs the visual zone)
    forged: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for kind in forgeries.KINDS:
        for i in range(args.forgeries):
            data, _ = forgeries.make_forgery(kind, args.seed + i)
            _cues(run_id_document(data, None, IdDocumentParams(), Ctx()), forged[kind])

    # latency, front only, 1280x800 TD3 photos (the target: <= 600 ms p50)
    lat_front: list[float] = []
    lat_front_noviz: list[float] = []
    for j in range(args.latency_n):
        cond = ("clean", "perspective", "rotation", "noise", "jpeg")[j % 5]
        s = make_sample("td3", cond, args.seed + 100_000 + j)
        r = run_id_document(s.front, None, IdDocumentParams(), Ctx())
        lat_front.append(r.duration_ms)
        for k, v in r.data.get("timings_ms", {}).items():
            stage[k].append(v)
        r = run_id_document(s.front, None, IdDocumentParams(check_viz=False), Ctx())
        lat_front_noviz.append(r.duration_ms)
    rss_after = _rss_mb()

    _print_table(
        "Generator A (tests/documents/generator.py) by condition", a_cond, [*CONDITIONS, "ALL"]
    )
    _print_table("Generator A by kind", a_kind, list(KINDS))
    _print_table(
        "Generator B (tests/documents/generator2.py) by condition",
        b_cond,
        [*generator2.CONDITIONS, "ALL"],
    )
    _print_table("Generator B by kind", b_kind, list(generator2.KINDS))
    print("\nGenerator B warning/error codes:", dict(sorted(b_codes.items())))
    print("\nSide by side (MRZ documents)")
    print("generator".ljust(12) + "".join(k.replace("field_", "")[:17].rjust(18) for k in SUMMARY))
    for name, tab in (("A", a_cond), ("B", b_cond)):
        row = tab.get("ALL", {})
        worst = min(
            (
                float(np.mean(v["mrz_exact"]))
                for c, v in tab.items()
                if c != "ALL" and v["mrz_exact"]
            ),
            default=float("nan"),
        )
        cells = [f"{np.mean(row[k]):.3f}" if row.get(k) else "-" for k in SUMMARY[:-1]]
        cells.append(f"{worst:.3f}")
        print(name.ljust(12) + "".join(c.rjust(18) for c in cells))

    print("\nVisual fraud cues: share of documents on which each cue fires")
    cue_names = [CUE[k] for k in forgeries.KINDS]
    print("set".ljust(28) + "".join(c[:26].rjust(34) for c in cue_names) + "any".rjust(8))
    for name, got in [
        *((f"genuine, generator {g} (FPR)", genuine[g]) for g in ("A", "B")),
        *((f"forged: {k} (TPR)", forged[k]) for k in forgeries.KINDS),
    ]:
        cells = "".join(
            (f"{np.mean(got[c]):.3f}" if got.get(c) else "-").rjust(34) for c in cue_names
        )
        anyc = f"{np.mean(got['any']):.3f}" if got.get("any") else "-"
        print(name.ljust(28) + cells + anyc.rjust(8))
    print("  (portrait cue only where a portrait was found; values per cue in data.forensics)")

    print("\nLatency (ms, models loaded once, this machine)")
    print(
        f"  front only, TD3 1280x800: p50 {_pct(lat_front, 50)}  p95 {_pct(lat_front, 95)}"
        f"  (n={len(lat_front)})"
    )
    print(
        f"  front only, check_viz=false: p50 {_pct(lat_front_noviz, 50)}"
        f"  p95 {_pct(lat_front_noviz, 95)}"
    )
    print(
        f"  front + back (TD1, DL):   p50 {_pct(lat_fb, 50)}  p95 {_pct(lat_fb, 95)}"
        f"  (n={len(lat_fb)})"
    )
    print("  where the time goes (front only, mean ms per stage):")
    for k, v in sorted(stage.items(), key=lambda kv: -float(np.mean(kv[1]))):
        print(f"    {k:<18} {np.mean(v):8.1f}")
    print(f"\nMemory RSS: after load {rss_loaded[0]} MB; after run {rss_after[0]} MB;")
    print(f"  peak {rss_after[1]} MB (includes the generator's own images)")
    if gen_ms:
        print(f"Generator A: {np.mean(gen_ms):.0f} ms per document")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        out = {
            "generator_a": {"by_condition": _means(a_cond), "by_kind": _means(a_kind)},
            "generator_b": {
                "by_condition": _means(b_cond),
                "by_kind": _means(b_kind),
                "codes": b_codes,
            },
            "forensics": {
                "genuine_a": {k: float(np.mean(v)) for k, v in genuine["A"].items()},
                "genuine_b": {k: float(np.mean(v)) for k, v in genuine["B"].items()},
                **{k: {c: float(np.mean(v)) for c, v in forged[k].items()} for k in forged},
            },
            "latency_front_ms": {"p50": _pct(lat_front, 50), "p95": _pct(lat_front, 95)},
            "latency_front_no_viz_ms": {
                "p50": _pct(lat_front_noviz, 50),
                "p95": _pct(lat_front_noviz, 95),
            },
            "latency_front_back_ms": {"p50": _pct(lat_fb, 50), "p95": _pct(lat_fb, 95)},
            "stages_ms": {k: float(np.mean(v)) for k, v in stage.items()},
            "rss_mb": {"loaded": rss_loaded[0], "after": rss_after[0], "peak": rss_after[1]},
            "ready_ms": ready_ms,
        }
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def _show_failure(
    gen: str, kind: str, cond: str, seed: int, truth: dict, r: Any, m: dict[str, float]
) -> None:
    """One inexact MRZ reading, line by line with the differing characters marked (the
    documents are synthetic: no personal data)."""
    if m.get("mrz_exact", 1.0) == 1.0:
        return
    mrz = r.data.get("mrz") or {}
    print(f"  MISREAD {gen} {kind} {cond} seed {seed}: checks valid {mrz.get('checks_valid')}")
    got = mrz.get("lines") or [""] * len(truth["mrz"])
    for want, line in zip(truth["mrz"], got, strict=False):
        marks = "".join(
            " " if a == b else "^" for a, b in zip(want, line.ljust(len(want)), strict=False)
        )
        print(f"    want {want}\n    got  {line}\n         {marks}")
    print(f"    ocr  {mrz.get('ocr_lines')}")


def real_set(folder: Path) -> None:
    """Real photos/scans, reported apart: `truth.json` maps a name to its `front`, optional
    `back` (file names in the folder) and `mrz` (the lines a person reads)."""
    truth = json.loads((folder / "truth.json").read_text())
    rows = []
    for name, t in sorted(truth.items()):
        front = (folder / t["front"]).read_bytes()
        back = (folder / t["back"]).read_bytes() if t.get("back") else None
        r = run_id_document(front, back, IdDocumentParams(), Ctx())
        mrz = r.data.get("mrz") or {}
        rows.append((bool(mrz.get("checks_valid")), mrz.get("lines") == t.get("mrz")))
        print(f"  real {name}: status {r.status}, MRZ valid {rows[-1][0]}, exact {rows[-1][1]}")
    n = max(1, len(rows))
    print(
        f"Real images ({len(rows)}): MRZ check digits valid {sum(v for v, _ in rows) / n:.3f}, "
        f"exact {sum(e for _, e in rows) / n:.3f}"
    )


CUE = {
    "portrait_swap": codes.PORTRAIT_SUBSTITUTION_SUSPECTED,
    "photocopy": codes.PHOTOCOPY_SUSPECTED,
    "screen": codes.SCREEN_RECAPTURE_SUSPECTED,
    "font_swap": codes.FONT_INCONSISTENT,
}


def cues_only(n: int, n2: int, n_forged: int, seed: int) -> int:
    """The image cues alone (the font cue needs the OCR'd visual zone: not measured here),
    each front rectified and its portrait found as `run_id_document` does."""
    import cv2

    from shared.documents import forensics
    from shared.documents.detect import detect_document
    from shared.documents.portrait import find_portrait

    def cues(front: bytes, into: dict[str, list[float]]) -> None:
        img = cv2.imdecode(np.frombuffer(front, np.uint8), cv2.IMREAD_COLOR)
        doc = detect_document(img).document
        found = forensics.examine(doc, find_portrait(doc))
        for f in found:
            into[f.code].append(float(f.fired))
        into["any"].append(float(any(f.fired for f in found)))

    sets: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    combos = [(k, c) for c in CONDITIONS for k in KINDS]
    for i in range(n):
        kind, cond = combos[i % len(combos)]
        cues(make_sample(kind, cond, seed + i).front, sets["genuine, generator A (FPR)"])
    for i in range(n2):
        cues(generator2.sample_at(i, seed=seed).front, sets["genuine, generator B (FPR)"])
    for kind in forgeries.KINDS:
        for i in range(n_forged):
            cues(forgeries.make_forgery(kind, seed + i)[0], sets[f"forged: {kind} (TPR)"])
    names = [CUE[k] for k in forgeries.KINDS if k != "font_swap"]
    print(f"\nImage cues only (seed {seed}): fired / measured (portrait: where one was found)")
    print("set".ljust(30) + "".join(c[:26].rjust(28) for c in names) + "any".rjust(10))
    for name, got in sets.items():
        cells = "".join(
            (f"{int(sum(got[c]))}/{len(got[c])}" if got.get(c) else "-").rjust(28) for c in names
        )
        print(name.ljust(30) + cells + f"{int(sum(got['any']))}/{len(got['any'])}".rjust(10))
    return 0


def _cues(r: Any, into: dict[str, list[float]]) -> None:
    """Record which visual fraud cues fired on one result."""
    cues = (r.data.get("forensics") or {}).get("cues", [])
    for c in cues:
        into[c["code"]].append(float(c["fired"]))
    if cues:
        into["any"].append(float(any(c["fired"] for c in cues)))


SUMMARY = (
    "mrz_found",
    "mrz_exact",
    "mrz_checks_valid",
    "field_document_number",
    "field_date_of_birth",
    "field_surname",
    "worst_cond_exact",
)


if __name__ == "__main__":
    sys.exit(main())
