"""The `risk` check's latency with 1 M prior sessions in the tenant.

`python -m bench.risk [--prior 1000000 --runs 300]`: an embedded Postgres with every
migration; one tenant with `--prior` sessions, each with velocity keys for its address (drawn
from 200 000 addresses, so some are hot), device (from 300 000), document number and email
over 60 days. No face templates: face velocity's cost is the 1:N index (bench/faces). Then
`--runs` new sessions, each with a recorded end-user request, a hosted-flow device report
(from 300 000 devices) and step times, and an `id_document` result (one in five reusing a
prior document number): the risk step (network, device, behaviour and velocity signals,
score, keys recorded) in its own tenant transaction, as the check runner runs it, against a
bare tenant transaction (`SELECT 1`) measured in the same run. Prints p50/p95 and the ratio.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from shared.checks.result import CheckResult, CheckStatus
from shared.config import Settings
from shared.db.bootstrap import prepare_database
from shared.db.cluster import EmbeddedPostgres
from shared.platform import Platform
from shared.risk.behaviour import step_seen, steps_progressed
from shared.risk.check import risk_step
from shared.risk.device import DeviceReport, device_key, record_device
from shared.risk.network import record_request
from shared.sessions.check_inputs import CheckInputs
from shared.sessions.results import save_result
from shared.sessions.store import create_session, get_session
from shared.tenancy.tenants import create_tenant
from shared.workflows.definition import WorkflowDefinition
from shared.workflows.store import create_workflow
from tests.conftest import make_data_dir

ADDRESSES = 200_000
DEVICES = 300_000
UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari"


def _device(i: int) -> DeviceReport:
    return DeviceReport(
        timezone="Europe/Paris",
        traits={"platform": "Linux armv8l", "language": "fr-FR", "screen": f"{i}x844x24"},
    )


def _ip(i: int) -> str:
    return f"81.{2 + (i >> 16) % 200}.{(i >> 8) % 256}.{i % 256}"


def _doc(i: int) -> str:
    return f"X{i:08d}"


def seed(admin_url: str, tenant_id: str, workflow_id: str, prior: int, cipher) -> None:
    """Prior sessions and their keys in bulk (as the owner: set-based SQL, keyed like the
    check keys them, with the tenant's data key)."""
    import hashlib
    import hmac

    import psycopg

    def key(kind: str, value: str) -> str:
        return hmac.new(cipher.dek, f"risk:{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO sessions (id, tenant_id, workflow_id, workflow_version, token_hash, "
            "expires_at, created_at, status) SELECT gen_random_uuid(), %s, %s, 1, "
            "'bench' || i, now() + interval '7 days', now() - (i %% 86400) * interval '60 s', "
            "'approved' FROM generate_series(1, %s) i",
            (tenant_id, workflow_id, prior),
        )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM sessions WHERE tenant_id = %s AND token_hash LIKE 'bench%%' "
                "ORDER BY token_hash",
                (tenant_id,),
            )
        ]
        rng = random.Random(7)
        now = datetime.now(UTC)
        with conn.cursor().copy(
            "COPY risk_keys (tenant_id, session_id, kind, key, created_at) FROM STDIN"
        ) as copy:
            for n, sid in enumerate(ids):
                at = now - timedelta(seconds=rng.randint(0, 60 * 86400))
                ip = _ip(rng.randrange(ADDRESSES))
                copy.write_row((tenant_id, sid, "ip", key("ip", ip), at))
                copy.write_row(
                    (tenant_id, sid, "document_number", key("document_number", _doc(n)), at)
                )
                copy.write_row((tenant_id, sid, "email", key("email", f"u{n}@bench.example"), at))
                dev = device_key(cipher, _device(rng.randrange(DEVICES)), UA)
                copy.write_row((tenant_id, sid, "device", dev, at))
        conn.execute("ANALYZE risk_keys")
        conn.execute("ANALYZE sessions")


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prior", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    data = make_data_dir()
    try:
        settings = Settings(data_dir=data)
        urls = prepare_database(settings)
        platform = Platform.from_settings(
            Settings(data_dir=data, app_database_url=urls.app), pool_size=2
        )
        tid = str(uuid.uuid4())
        wf_def = WorkflowDefinition.model_validate(
            {"name": "risk", "steps": [{"check": "id_document"}, {"check": "risk"}]}
        )
        with platform.db.tenant(tid) as conn:
            create_tenant(conn, platform.master_key, tid, "Bench Co", "bench@bench.example")
            wf = create_workflow(conn, tid, wf_def)
            cipher = platform.cipher(conn, tid)
        t0 = time.perf_counter()
        seed(urls.admin_db, tid, str(wf.id), args.prior, cipher)
        print(
            f"seeded {args.prior} prior sessions (4 keys each) in {time.perf_counter() - t0:.0f} s"
        )
        rng = random.Random(11)
        risk_ms: list[float] = []
        bare_ms: list[float] = []
        raised = 0
        for i in range(args.runs):
            with platform.db.tenant(tid) as conn:
                session, _ = create_session(conn, cipher, wf.id, 1, None, None, None, 7)
                sid = str(session.id)
                record_request(conn, cipher, sid, _ip(rng.randrange(ADDRESSES)))
                # the hosted flow's device report and step times (device, behaviour)
                record_device(conn, cipher, sid, _device(rng.randrange(DEVICES)), UA, False)
                step_seen(conn, tid, sid, "selfie")
                steps_progressed(conn, tid, sid, ["selfie"], {"selfie": 1}, {"selfie": "camera"})
                number = _doc(rng.randrange(args.prior)) if i % 5 == 0 else f"N{i:08d}"
                doc = CheckResult(
                    check="id_document",
                    status=CheckStatus.passed,
                    data={"mrz": {"document_number": number, "issuing_country": "FRA"}},
                )
                save_result(conn, cipher, sid, "id_document", doc)
            t = time.perf_counter()
            with platform.db.tenant(tid) as conn:
                conn.execute("SELECT 1").fetchone()
            bare_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            with platform.db.tenant(tid) as conn:
                inputs = CheckInputs(
                    conn=conn,
                    platform=platform,
                    cipher=platform.cipher(conn, tid),
                    tenant_id=tid,
                    session=get_session(conn, sid, for_update=True),
                    params={},
                    expected=None,
                    step="risk",
                )
                result = risk_step(inputs)
                save_result(conn, inputs.cipher, sid, "risk", result)
            risk_ms.append((time.perf_counter() - t) * 1000)
            raised += bool(result.warnings)
        p50, p95 = statistics.median(risk_ms), _pct(risk_ms, 0.95)
        b50, b95 = statistics.median(bare_ms), _pct(bare_ms, 0.95)
        print(
            f"risk check at {args.prior} prior sessions, {args.runs} runs: p50 {p50:.1f} ms, "
            f"p95 {p95:.1f} ms; bare tenant transaction p50 {b50:.2f} ms, p95 {b95:.2f} ms; "
            f"ratio p50 x{p50 / b50:.1f}, p95 x{p95 / b95:.1f}; {raised} runs raised a signal"
        )
        return 0
    finally:
        EmbeddedPostgres(data).stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
