"""Fixed-window request budgets per principal, counted in Postgres (shared by replicas).

An API key has its own budget; a session token has one for itself and one for the client
address it calls from (an end user cannot spend the tenant's budget, nor multiply theirs by
opening sessions). Buckets name the principal by id or by a hash of the address, never by
the address itself.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from shared.config import Settings
from shared.http.problem import Problem
from shared.http.router import Principal


@dataclass(frozen=True)
class Budget:
    bucket: str
    limit: int
    what: str


def budgets(settings: Settings, principal: Principal, client_addr: str) -> list[Budget]:
    if principal.kind == "api_key":
        return [Budget(f"key:{principal.key_id}", settings.rate_limit_per_minute, "API key")]
    addr = hashlib.sha256(client_addr.encode()).hexdigest()[:24]
    return [
        Budget(
            f"session:{principal.session_id}",
            settings.session_rate_limit_per_minute,
            "session token",
        ),
        Budget(f"addr:{addr}", settings.client_rate_limit_per_minute, "client address"),
    ]


def rate_limiter(
    settings: Settings, tenant_tx: Callable
) -> Callable[[psycopg.Connection, Principal, str], dict[str, str]]:
    def check(conn: psycopg.Connection, principal: Principal, client_addr: str) -> dict[str, str]:
        wanted = budgets(settings, principal, client_addr)
        # Its own transaction: a refused or failed request still counts.
        with tenant_tx(principal.tenant_id) as c:
            rows = c.execute(
                "INSERT INTO rate_limits (tenant_id, bucket, window_start, count) "
                "SELECT %s, b, date_trunc('minute', now()), 1 FROM unnest(%s::text[]) AS b "
                "ON CONFLICT (tenant_id, bucket, window_start) DO UPDATE "
                "SET count = rate_limits.count + 1 RETURNING bucket, count, window_start",
                (principal.tenant_id, [b.bucket for b in wanted]),
            ).fetchall()
            if random.random() < 0.01:
                c.execute("DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'")
        counts = {r["bucket"]: r for r in rows}
        # Report the budget closest to running out.
        budget = min(wanted, key=lambda b: b.limit - counts[b.bucket]["count"])
        row = counts[budget.bucket]
        reset = max(1, 60 - int((datetime.now(UTC) - row["window_start"]).total_seconds()))
        headers = {
            "RateLimit-Limit": str(budget.limit),
            "RateLimit-Remaining": str(max(0, budget.limit - row["count"])),
            "RateLimit-Reset": str(reset),
        }
        if row["count"] > budget.limit:
            raise Problem(
                429,
                "Too Many Requests",
                f"this {budget.what}'s rate limit is exceeded",
                code="rate-limited",
                headers={**headers, "Retry-After": str(reset)},
            )
        return headers

    return check
