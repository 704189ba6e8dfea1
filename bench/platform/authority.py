"""What issue 12's two layers add per delivery, measured on the running local stack.

1. Token verification (cached JWKS): µs per delivery, against parsing the CloudEvent itself
   (work every delivery already does), both timed in the same run.
2. Re-reading state: the webhooks intake's look-ups (the session row and the outbox record of
   the event) per event, against the tenant transaction every consumer already opens.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid

import psycopg
from psycopg.rows import dict_row

from events import SESSION_DECIDED, build_event, parse_http, to_binary_http
from shared.db.tenant_tx import Database
from shared.eventing.outbox import row_to_event
from shared.local.stack import Stack
from shared.sessions.store import get_session
from shared.webhooks.intake import stored_event
from shared.workload.identity import service_audience, trigger_subject
from shared.workload.issuer import LocalIssuer, Workload
from shared.workload.verifier import JwksCache, TokenVerifier


def _per_call_us(fn, n: int, rounds: int = 5) -> float:
    """Median over rounds of the mean µs per call."""
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def token_cost(issuer: LocalIssuer, n: int = 2000) -> None:
    """Verification of a real token from `issuer` (its JWKS fetched once over HTTP, then
    cached) against parsing a `session.decided` event, per delivery."""
    aud = service_audience("idmesh", "webhooks")
    sub = trigger_subject("tenant-bench", "webhooks-session-decided")
    header = f"Bearer {issuer.mint(Workload('tenant-bench', 'x'), aud, sub=sub)}"
    verifier = TokenVerifier(JwksCache(issuer.issuer_url), aud, ["system:serviceaccount:tenant-*"])
    verifier.verify(header)  # fetch the JWKS once: later deliveries use the cache
    ev = build_event(
        SESSION_DECIDED,
        {"session_id": str(uuid.uuid4()), "status": "approved", "rule": "default:passed"},
        str(uuid.uuid4()),
        "orchestrator",
    )
    headers, body = to_binary_http(ev)
    token = header.removeprefix("Bearer ")
    full_us = _per_call_us(lambda: verifier._verify_token(token), n)
    seen_us = _per_call_us(lambda: verifier.verify(header), n)
    parse_us = _per_call_us(lambda: parse_http(headers, body), n)
    print(
        f"token verification per delivery (RS256, cached JWKS): first use of a token "
        f"{full_us:.0f} µs ({full_us / parse_us:.2f}x parsing the CloudEvent, "
        f"{parse_us:.0f} µs); a token already verified (senders reuse one ~9 min) "
        f"{seen_us:.1f} µs ({seen_us / parse_us:.3f}x)"
    )


def state_cost(stack: Stack, events: int = 200) -> None:
    assert stack.urls is not None
    with psycopg.connect(stack.urls.admin_db, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT tenant_id, event FROM outbox WHERE event_type = "
            "'io.idmesh.session.decided.v1' ORDER BY created_at DESC LIMIT %s",
            (events,),
        ).fetchall()
    if not rows:
        print("re-reading state: no decided events to measure (run the latency part first)")
        return
    parsed = []
    for r in rows:
        headers, body = to_binary_http(row_to_event(r["event"]))
        parsed.append(parse_http(headers, body))
    db = Database(stack.urls.jobs, max_size=2)
    try:

        def bare() -> None:
            for ev in parsed:
                with db.tenant(ev.tenant_id):
                    pass

        def reread() -> None:
            for ev in parsed:
                with db.tenant(ev.tenant_id) as conn:
                    get_session(conn, ev.data.session_id)
                    stored_event(conn, ev)

        bare()
        base_us = _per_call_us(bare, 1) / len(parsed)
        full_us = _per_call_us(reread, 1) / len(parsed)
    finally:
        db.close()
    print(
        f"re-reading state per webhook event ({len(parsed)} events, real Postgres): "
        f"tenant transaction alone {base_us:.0f} µs, with session + outbox look-ups "
        f"{full_us:.0f} µs: +{full_us - base_us:.0f} µs ({full_us / base_us:.2f}x)"
    )


def main() -> int:
    """`python -m bench.platform.authority`: the token part alone (no stack needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        issuer = LocalIssuer(tmp).serve()
        try:
            token_cost(issuer)
        finally:
            issuer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
