"""Console queue query time at N sessions in one tenant (`./dev bench console`): the rows are
written by the superuser with generate_series, the queries run as the application role in a
tenant transaction (RLS on), exactly as the console's queue page runs them."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from shared.config import Settings
from shared.console.queue import QueueFilter, queue
from shared.crypto.envelope import new_wrapped_dek
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres
from shared.db.tenant_tx import Database


def _seed(admin_url: str, tenant: str, n: int) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for tid in (tenant, str(uuid.uuid4())):  # and a neighbour tenant of the same size
            conn.execute(
                "INSERT INTO tenants (id, slug, name, email, wrapped_dek) VALUES (%s, %s, 'B', "
                "'b@bench.example', %s)",
                (tid, f"bench-{tid[:8]}", new_wrapped_dek(os.urandom(32), tid)),
            )
            wf = conn.execute(
                "INSERT INTO workflows (tenant_id, name) VALUES (%s, 'w') RETURNING id", (tid,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO sessions (tenant_id, workflow_id, workflow_version, status, "
                "vendor_data, token_hash, expires_at, created_at, decision) "
                "SELECT %s, %s, 1, (ARRAY['approved','declined','in_review','in_progress',"
                "'not_started'])[1 + i %% 5], 'customer-' || i, md5(%s || i), "
                "now() + interval '7 days', now() - make_interval(secs => i), "
                "jsonb_build_object('rule', 'default:warning', 'reason_codes', "
                "jsonb_build_array('FACE_MISMATCH')) FROM generate_series(1, %s) i",
                (tid, wf, tid, n),
            )
            conn.execute(
                "INSERT INTO checks (tenant_id, session_id, step, check_name, status, warnings) "
                "SELECT tenant_id, id, 'face_match', 'face_match', 'warning', "
                '\'[{"code": "FACE_MISMATCH"}]\'::jsonb FROM sessions WHERE tenant_id = %s '
                "AND status = 'in_review'",
                (tid,),
            )
        conn.execute("ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="idmesh-bench-console-"))
    data.chmod(0o755)
    try:
        urls = prepare_database(Settings(data_dir=data))
        tenant = str(uuid.uuid4())
        t0 = time.perf_counter()
        _seed(urls.admin_db, tenant, a.sessions)
        print(f"seeded 2 tenants x {a.sessions} sessions in {time.perf_counter() - t0:.1f} s")
        db = Database(urls.app, max_size=2)
        me = str(uuid.uuid4())
        cases = {
            "default (in review first)": QueueFilter(),
            "status=in_review": QueueFilter(status="in_review"),
            "vendor data search": QueueFilter(q="customer-4242"),
            "session id search": QueueFilter(q=str(uuid.uuid4())),
            "warning code FACE_MISMATCH": QueueFilter(warning="FACE_MISMATCH"),
            "page 20": QueueFilter(page=20),
        }
        for name, f in cases.items():
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                with db.tenant(tenant) as conn:
                    queue(conn, f, me)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(f"queue {name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
        db.close()
    finally:
        EmbeddedPostgres(data).stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
