"""`python -m bench.aml {name-bench,variants,latency,monitor}`: the aml figures.

Figures measured on a busy shared 2-core machine are pessimistic; re-run on a quiet one.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.stats import percentile


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), MB."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize() / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def cmd_name_bench(args: argparse.Namespace) -> int:
    from bench.aml.namebench import print_report, run

    print_report(run(threshold=args.threshold, show_errors=args.errors), fine=args.fine)
    return 0


def cmd_variants(args: argparse.Namespace) -> int:
    from bench.aml.namebench import prf
    from shared.aml.index import NameIndex, kind_for
    from shared.aml.names import compare_names
    from tests.aml.generator import un_entities, variant_set

    ents = un_entities()
    by_id = {e.id: e for e in ents}
    cases = variant_set(ents, args.n, seed=args.seed)
    labels, preds, kinds = [], [], {}
    for q, eid, is_match, kind in cases:
        e = by_id[eid]
        s = max(compare_names(q, a, kind_for(e.type)).score for a in e.all_names())
        labels.append(is_match)
        preds.append(s >= args.threshold)
        kinds.setdefault(kind, ([], []))
        kinds[kind][0].append(is_match)
        kinds[kind][1].append(s >= args.threshold)
    o = prf(labels, preds)
    print(
        f"UN variant set: {len(cases)} pairs from the real UN list (seed {args.seed}), "
        f"threshold {args.threshold}"
    )
    print(f"  P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}")
    for k, (ls, ps) in sorted(kinds.items()):
        r = prf(ls, ps)
        if any(ls):
            print(f"    {k:<14} n={r['n']:>4} recall {r['recall']:.3f}")
        else:
            fp = sum(ps)
            print(f"    {k:<14} n={r['n']:>4} false positives {fp} ({fp / max(1, r['n']):.3f})")
    rows = [
        (e.id, e.type, a, [i.number for i in e.identifiers]) for e in ents for a in e.all_names()
    ]
    index = NameIndex.build(rows)
    found = total = 0
    for q, eid, is_match, _ in cases:
        if not is_match:
            continue
        total += 1
        cands = index.search(q, ["person", "company"], limit=50)
        found += any(index.entity_of(c.alias_id) == eid for c in cands)
    print(
        f"  index retrieval recall (true variant's entity in top-50 candidates): "
        f"{found / max(1, total):.3f} ({found}/{total})"
    )
    return 0


def _ftm_line(e) -> str:
    import json

    props = {
        "name": [e.name],
        "alias": e.aliases,
        "birthDate": [d.start for d in e.dates_of_birth],
        "country": [c.lower() for c in e.countries],
        "passportNumber": [i.number for i in e.identifiers],
    }
    schema = "Person" if e.type == "person" else "Company"
    return json.dumps({"id": e.id, "schema": schema, "properties": props}, ensure_ascii=False)


@contextmanager
def _database(args: argparse.Namespace):
    """The bench's Postgres: the one configured (DATABASE_URL / IDMESH_DATA_DIR) with
    --use-configured, else an embedded cluster in a temp dir, stopped afterwards."""
    from shared.config import Settings
    from shared.db.bootstrap import prepare_database
    from shared.db.cluster import EmbeddedPostgres

    if args.use_configured:
        yield prepare_database(Settings.from_env())
        return
    tmp = Path(tempfile.mkdtemp(prefix="aml-bench-"))
    tmp.chmod(0o755)
    try:
        yield prepare_database(Settings(data_dir=tmp))
    finally:
        EmbeddedPostgres(tmp).stop()
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_latency(args: argparse.Namespace) -> int:
    """Load N synthetic names into Postgres as the owner role (what `idmesh aml load` does),
    then, as the aml function's own role, build the in-memory index from Postgres (what the
    function's warm-up does) and screen: p50/p95 wall and CPU per screening."""
    with _database(args) as urls:
        return _latency(args, urls)


def _latency(args: argparse.Namespace, urls) -> int:
    from shared.aml.check import AmlParams, AmlQuery, run_aml, warm_up
    from shared.aml.models import ListVersion
    from shared.aml.store import PgListStore
    from tests.aml.generator import make_variant, synthetic_entities

    owner = PgListStore(urls.owner, refresh_seconds=0)
    rss0 = _rss_mb()
    sample: list = []
    rng = random.Random(3)

    def entities():
        for e in synthetic_entities(args.aliases):
            if rng.random() < 0.002 or len(sample) < 50:
                sample.append(e)
            yield e

    version = ListVersion(
        id=f"bench-{args.aliases}-{int(time.time())}",
        list="bench",
        source="synthetic",
        format="synthetic",
        sha256=f"{args.aliases:064d}"[:48] + f"{int(time.time()):016d}",
        loaded_at="now",
    )
    t0 = time.perf_counter()
    last = [t0]

    def progress(n_ent: int, n_alias: int) -> None:
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"  … {n_alias:,} names ({last[0] - t0:.0f}s)", file=sys.stderr)

    if args.via_file:
        # The operator's path: write the set as an OpenSanctions FtM JSON lines file first,
        # then `load_list_file` parses, hashes and loads it like `idmesh aml load`.
        from shared.aml.lists import load_list_file

        tmp = Path(tempfile.mkdtemp(prefix="aml-bench-file-"))
        src = tmp / "synthetic.ftm.json"
        with open(src, "w", encoding="utf-8") as fh:
            for e in entities():
                fh.write(_ftm_line(e) + "\n")
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        v, _ = load_list_file(owner, src, "ftm-json", "bench", progress)
        how = f"from a {src.stat().st_size / 1e6:.0f} MB FtM file written in {write_s:.1f}s"
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        v, _ = owner.load_version(version, entities(), progress)
        how = "parse-free: generation + COPY into Postgres + index build"
    load_s = time.perf_counter() - t0
    owner.close()
    print(
        f"loaded {v.alias_count:,} names / {v.entity_count:,} entities into Postgres in "
        f"{load_s:.1f}s ({how}); RSS after load {_rss_mb():.0f} MB (start {rss0:.0f} MB)"
    )
    import psycopg

    with psycopg.connect(urls.owner) as con:
        size = con.execute(
            "SELECT length(npz), pg_total_relation_size('aml_entities') "
            "FROM aml_list_indexes WHERE version_id = %s",
            (v.id,),
        ).fetchone()
    print(f"stored index {size[0] / 1e6:.1f} MB, aml_entities {size[1] / 1e6:.1f} MB")
    # A fresh process-like start as the function's own role: the index comes from Postgres.
    fresh = PgListStore(urls.functions["aml"], refresh_seconds=10)
    rss1 = _rss_mb()
    t1 = time.perf_counter()
    warm_up(fresh)
    print(
        f"ready (index read from Postgres and loaded) in {time.perf_counter() - t1:.2f}s, "
        f"index RSS ≈ {_rss_mb() - rss1:.0f} MB"
    )
    queries = []
    for e in sample[: args.queries // 2]:
        queries.append(AmlQuery(name=make_variant(e.name, rng, e.type == "person")[0]))
    while len(queries) < args.queries:
        e = rng.choice(sample)
        queries.append(AmlQuery(name=f"{e.name.split()[0]} Nonexistent{rng.randint(0, 999)}"))
    params = AmlParams()
    for q in queries[:10]:  # warm caches (first queries import and fill lru caches)
        run_aml(q, params, store=fresh)
    times, cpu = [], []
    hits = 0
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        r = run_aml(q, params, store=fresh)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        hits += bool(r.data.get("matches"))
    print(
        f"screening {len(queries)} queries at {v.alias_count:,} names (entities fetched "
        f"from Postgres per screening): wall p50 {statistics.median(times):.1f} ms, p95 "
        f"{percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms; CPU p50 "
        f"{statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms ({hits} with matches)"
    )
    fresh.close()
    return 0


def cmd_monitor(args: argparse.Namespace) -> int:
    from shared.aml.models import ListDiff
    from shared.aml.monitoring import MonitoredSubject, rescreen
    from tests.aml.generator import make_variant, synthetic_entities, un_entities

    rng = random.Random(5)
    un = un_entities()
    changed = un[: args.changed]
    subjects = []
    for i, e in enumerate(synthetic_entities(10 * args.subjects, seed=9, include_un=False)):
        if len(subjects) >= args.subjects:
            break
        subjects.append(
            MonitoredSubject(
                id=f"s{i}", name=e.name, type=e.type if e.type == "person" else "company"
            )
        )
    planted = 0
    for e in rng.sample(changed, min(20, len(changed))):
        subjects.append(
            MonitoredSubject(
                id=f"planted-{e.id}", name=make_variant(e.name, rng, e.type == "person")[0]
            )
        )
        planted += 1
    diff = ListDiff(list="un", old_version="v1", new_version="v2", added=changed)
    t = time.perf_counter()
    hits = rescreen(diff, subjects)
    dt = time.perf_counter() - t
    found = {h.subject_id for h in hits if h.subject_id.startswith("planted-")}
    print(
        f"re-screen: {len(changed)} changed entries × {len(subjects):,} enrolled subjects in "
        f"{dt:.1f}s ({dt / len(subjects) * 1e6:.0f} µs per subject); {len(hits)} hits, "
        f"{len(found)}/{planted} planted variants found"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.aml")
    sub = p.add_subparsers(dest="cmd", required=True)
    nb = sub.add_parser("name-bench", help="OpenSanctions name_bench vs logic-v2")
    nb.add_argument("--threshold", type=float, default=None)
    nb.add_argument("--errors", action="store_true", help="print the misclassified pairs")
    nb.add_argument("--fine", action="store_true", help="also every category of the file")
    nb.set_defaults(func=cmd_name_bench)
    va = sub.add_parser("variants", help="generated variant set from the real UN list")
    va.add_argument("--n", type=int, default=2000)
    va.add_argument("--seed", type=int, default=11)
    va.add_argument("--threshold", type=float, default=0.7)
    va.set_defaults(func=cmd_variants)
    la = sub.add_parser("latency", help="load time, memory, p50/p95 screening latency")
    la.add_argument("--aliases", type=int, default=100000)
    la.add_argument("--queries", type=int, default=300)
    la.add_argument(
        "--use-configured",
        action="store_true",
        help="use the configured database (default: an embedded Postgres in a temp dir)",
    )
    la.add_argument("--via-file", action="store_true", help="load through an FtM JSON file")
    la.set_defaults(func=cmd_latency)
    mo = sub.add_parser("monitor", help="re-screen time for a list diff vs enrolled subjects")
    mo.add_argument("--subjects", type=int, default=100000)
    mo.add_argument("--changed", type=int, default=200)
    mo.set_defaults(func=cmd_monitor)
    args = p.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
