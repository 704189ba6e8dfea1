"""`python -m bench.nfc [--runs N] [--chips K] [--json]`

Latency p50/p95 of a full chip verification (Passive Authentication + Active Authentication +
DG2 decode) per algorithm family, on synthetic chips from `tests/nfc/generator.py`, and the
table of negative fixtures with whether each was caught.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

from bench.stats import percentile
from shared.nfc.check import NfcParams, run_nfc
from tests.nfc import generator as g

VARIANTS = [
    # label, SOD algorithm, AA key, image
    ("RSA-PSS 2048 SOD, RSA ISO 9796-2 AA, JPEG", "rsa", "rsa", "jpeg"),
    ("RSA PKCS#1 SOD, RSA 9796-2 SHA-256 AA, JPEG 2000", "rsa_pkcs1", "rsa_sha256", "jpeg2000"),
    ("ECDSA brainpoolP256r1 SOD, ECDSA AA, JPEG 2000", "ecdsa", "ec", "jpeg2000"),
    ("ECDSA brainpool explicit params, ECDSA AA, JPEG", "ecdsa_explicit", "ec_explicit", "jpeg"),
    (
        "ECDSA brainpoolP320r1 explicit (python-ecdsa), JPEG",
        "ecdsa_bp320_explicit",
        "ec_bp320",
        "jpeg",
    ),
]


def bench_latency(runs: int, chips: int) -> list[dict]:
    rows = []
    for label, algo, aa, image in VARIANTS:
        pki = g.cached_pki("rsa" if algo == "rsa_pkcs1" else algo)
        pool = [g.make_chip(pki, g.ChipSpec(algo=algo, aa=aa, image=image)) for _ in range(chips)]
        store = pki.store()
        times: list[float] = []
        first = None
        statuses = set()
        for i in range(runs + 1):
            chip = pool[i % len(pool)]
            resp = chip.aa_response()
            ctx = g.TestContext([resp.nonce])
            t0 = time.perf_counter()
            result = run_nfc(chip.files, NfcParams(minimum_age=18), ctx, store, resp)
            ms = (time.perf_counter() - t0) * 1000
            statuses.add(f"{result.status.value}/{result.data.get('assurance')}")
            if i == 0:
                first = ms  # first call: key parsing caches and decoders are cold
            else:
                times.append(ms)
        rows.append(
            {
                "variant": label,
                "runs": runs,
                "first_ms": round(first, 2),
                "p50_ms": round(percentile(times, 0.5), 2),
                "p95_ms": round(percentile(times, 0.95), 2),
                "mean_ms": round(statistics.fmean(times), 2),
                "outcome": ", ".join(sorted(statuses)),
            }
        )
    return rows


_COLD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from shared.nfc.check import AaResponse, NfcParams, run_nfc, warm_up
from shared.nfc.trust import trust_from_files
warm_up()
t1 = time.perf_counter()
root = Path(sys.argv[1])
files = {p.name: p.read_bytes() for p in (root / "chip").iterdir()}
aa = AaResponse(nonce=bytes.fromhex((root / "aa/nonce.hex").read_text()),
                signature=(root / "aa/signature.bin").read_bytes())
store = trust_from_files([root / "trust/masterlist.ml", root / "trust/crl_de.crl"])
r = run_nfc(files, NfcParams(), None, store, aa)
t2 = time.perf_counter()
print(json.dumps({"ready_ms": (t1 - t0) * 1000, "first_check_ms": (t2 - t1) * 1000,
                  "assurance": r.data.get("assurance")}))
"""


def bench_cold_start(samples: int = 3) -> dict:
    """A new process: import + warm_up (ready), then the first verification from files."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        g.write_sample(tmp)
        runs = []
        for _ in range(samples):
            out = subprocess.run(
                [sys.executable, "-c", _COLD, tmp], capture_output=True, text=True, check=True
            )
            runs.append(json.loads(out.stdout))
    return {
        "samples": samples,
        "ready_ms_median": round(statistics.median(r["ready_ms"] for r in runs), 1),
        "first_check_ms_median": round(statistics.median(r["first_check_ms"] for r in runs), 1),
        "assurance": sorted({r["assurance"] for r in runs}),
    }


def bench_negatives() -> list[dict]:
    rows = []
    for fx in g.negative_fixtures():
        result = run_nfc(fx.files, NfcParams(**fx.params), fx.ctx, fx.store, fx.aa)
        got = set(result.warning_codes())
        caught = fx.expected <= got and result.status.value == fx.expect_status
        rows.append(
            {
                "fixture": fx.name,
                "expected": sorted(fx.expected),
                "status": result.status.value,
                "assurance": result.data.get("assurance"),
                "codes": sorted(got),
                "caught": caught,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.nfc")
    ap.add_argument("--runs", type=int, default=200, help="verifications per variant")
    ap.add_argument("--chips", type=int, default=4, help="distinct chips (AA keys) per variant")
    ap.add_argument("--quick", action="store_true", help="--runs 20 --chips 2")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.chips = 20, 2
    t0 = time.perf_counter()
    latency = bench_latency(args.runs, args.chips)
    negatives = bench_negatives()
    cold = bench_cold_start(1 if args.quick else 3)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    env = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mb": round(rss_mb, 1),
        "bench_seconds": round(time.perf_counter() - t0, 1),
    }
    caught = sum(r["caught"] for r in negatives)
    if args.json:
        out = {"env": env, "cold_start": cold, "latency": latency, "negatives": negatives}
        print(json.dumps(out, indent=2))
        return 0 if caught == len(negatives) else 1
    print(
        f"nfc bench — Python {env['python']}, {env['cpus']} CPUs, load {env['load_average']}, "
        f"peak RSS {env['peak_rss_mb']} MB, {env['bench_seconds']} s\n"
    )
    print("Full chip verification (PA + AA + DG2 decode, DG1..DG15, single process):\n")
    print("| variant | runs | first call ms | p50 ms | p95 ms | mean ms | outcome |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in latency:
        print(
            f"| {r['variant']} | {r['runs']} | {r['first_ms']} | {r['p50_ms']} | {r['p95_ms']} "
            f"| {r['mean_ms']} | {r['outcome']} |"
        )
    print(
        f"\nNew process: import + warm_up {cold['ready_ms_median']} ms, then first "
        f"verification from files {cold['first_check_ms_median']} ms "
        f"(median of {cold['samples']}, outcome {cold['assurance']})"
    )
    print(f"\nNegative fixtures: {caught}/{len(negatives)} caught\n")
    print("| fixture | status | assurance | expected codes | caught |")
    print("|---|---|---|---|---|")
    for r in negatives:
        print(
            f"| {r['fixture']} | {r['status']} | {r['assurance'] or '-'} | "
            f"{', '.join(r['expected'])} | {'yes' if r['caught'] else 'NO'} |"
        )
    return 0 if caught == len(negatives) else 1


if __name__ == "__main__":
    sys.exit(main())
