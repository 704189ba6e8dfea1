"""Console queue query time at N sessions in one tenant (`./dev bench console`): the rows are
written by the superuser with generate_series, the queries run as the application role in a
tenant transaction (RLS on), exactly as the console's queue page runs them.

Then the case page load with all its images: one of the tenant's sessions gets sealed
evidence images and check results, the console runs on a real HTTP server on 127.0.0.1,
and a signed-in person's client loads the case page and then every image it links (one
after the other, as a lower bound of a browser's parallel load: an upper bound of time)."""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from shared.config import Settings
from shared.console.queue import QueueFilter, queue
from shared.crypto.envelope import load_master_key, new_wrapped_dek
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.db.tenant_tx import Database


def _seed(admin_url: str, tenant: str, n: int, master: bytes) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for tid in (tenant, str(uuid.uuid4())):  # and a neighbour tenant of the same size
            key = master if tid == tenant else os.urandom(32)
            conn.execute(
                "INSERT INTO tenants (id, slug, name, email, wrapped_dek) VALUES (%s, %s, 'B', "
                "'b@bench.example', %s)",
                (tid, f"bench-{tid[:8]}", new_wrapped_dek(key, tid)),
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
        settings = Settings(data_dir=data)
        urls = prepare_database(settings)
        master = load_master_key(settings)
        tenant = str(uuid.uuid4())
        t0 = time.perf_counter()
        _seed(urls.admin_db, tenant, a.sessions, master)
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
        _case_page(settings, urls.app, db, master, tenant, a.runs)
        db.close()
    finally:
        EmbeddedPostgres(data).stop()
        shutil.rmtree(data, ignore_errors=True)


def _jpeg(w: int, h: int, seed: int) -> bytes:
    """A photo-like JPEG of a typical capture's size (smooth gradients plus noise)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // w), (y * 255 // h), ((x + y) * 255 // (w + h))], axis=-1)
    img = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=88)
    return buf.getvalue()


def _case_page(settings: Settings, app_url: str, db: Database, master, tenant, runs) -> None:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request

    from shared.checks.result import CheckResult, CheckStatus, CheckWarning, Severity
    from shared.console.accounts import _open_session
    from shared.console.app import COOKIE, ConsoleApp
    from shared.sessions.artifacts import store_artifact
    from shared.sessions.results import save_result
    from shared.tenancy.secrets import secret_hash
    from shared.tenancy.tenants import tenant_cipher
    from shared.workflows.definition import WorkflowDefinition
    from shared.workflows.store import create_workflow

    with db.tenant(tenant) as conn:
        sid = str(
            conn.execute("SELECT id FROM sessions WHERE status = 'in_review' LIMIT 1").fetchone()[
                "id"
            ]
        )
        cipher = tenant_cipher(conn, master, tenant)
        wf = create_workflow(
            conn,
            tenant,
            WorkflowDefinition.model_validate(
                {
                    "name": "documents + face",
                    "steps": [
                        {"check": "id_document"},
                        {"check": "face_match", "after": ["id_document"]},
                    ],
                }
            ),
        )
        conn.execute(
            "UPDATE sessions SET workflow_id = %s, workflow_version = 1 WHERE id = %s",
            (str(wf.id), sid),
        )
        sizes = {
            "document_front": (1600, 1000),
            "document_back": (1600, 1000),
            "selfie": (1080, 1440),
            "document_portrait": (300, 400),
        }
        total = 0
        for i, (kind, (w, h)) in enumerate(sizes.items()):
            data = _jpeg(w, h, i)
            total += len(data)
            store_artifact(conn, cipher, sid, kind, "image/jpeg", data)
        mrz = {
            "format": "TD3",
            "lines": [
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            "document_number": "L898902C3",
            "surname": "ERIKSSON",
            "given_names": "ANNA MARIA",
            "date_of_birth": "1974-08-12",
            "expiry_date": "2032-04-15",
            "checks": [
                {"name": n, "valid": True, "found": "6", "expected": "6"}
                for n in ("document_number", "date_of_birth", "expiry_date", "composite")
            ],
        }
        fields = {
            k: {"value": mrz[k], "source": "mrz", "confidence": 0.99}
            for k in ("document_number", "surname", "given_names", "date_of_birth")
        }
        for step, check, data in (
            ("id_document", "id_document", {"mrz": mrz, "fields": fields, "viz": {}}),
            ("face_match", "face_match", {"similarity": 81}),
            ("passive_liveness", "passive_liveness", {"score": 88, "cues": {"glare": -0.3}}),
        ):
            save_result(
                conn,
                cipher,
                sid,
                step,
                CheckResult(
                    check=check,
                    status=CheckStatus.warning,
                    score=80,
                    warnings=[CheckWarning(code="FACE_MISMATCH", severity=Severity.warning)],
                    data=data,
                ),
            )
        uid = str(
            conn.execute(
                "INSERT INTO console_users (tenant_id, email, name, role, status) VALUES "
                "(%s, %s, 'Bench Reviewer', 'reviewer', 'active') RETURNING id",
                (tenant, f"reviewer-{tenant[:8]}@bench.example"),
            ).fetchone()["id"]
        )
        token = _open_session(conn, tenant, uid)
        conn.execute(
            "UPDATE console_sessions SET mfa_done = true WHERE token_hash = %s",
            (secret_hash(token),),
        )
    port = free_port()
    app = ConsoleApp(
        settings.model_copy(
            update={"app_database_url": app_url, "console_url": f"http://127.0.0.1:{port}"}
        )
    )

    def wsgi(environ, start_response):
        return app.handle(Request(environ))(environ, start_response)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page_ms, full_ms = [], []
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", cookies={COOKIE: token}, timeout=30
        ) as c:
            for i in range(runs + 3):
                t = time.perf_counter()
                r = c.get(f"/cases/{sid}")
                assert r.status_code == 200, r.status_code
                t_page = time.perf_counter()
                srcs = re.findall(r'<img src="([^"]+)"', r.text)
                for src in srcs:
                    img = c.get(src)
                    assert img.status_code == 200, (src, img.status_code)
                if i >= 3:  # warm-up: the first loads open pool connections
                    page_ms.append((t_page - t) * 1000)
                    full_ms.append((time.perf_counter() - t) * 1000)
    finally:
        server.shutdown()
        app.db.close()
    for name, times in (("page only", page_ms), (f"page + {len(srcs)} images", full_ms)):
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"case {name} ({total // 1024} KB of images): "
            f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
        )


if __name__ == "__main__":
    main()
