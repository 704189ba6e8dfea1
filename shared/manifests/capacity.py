"""Postgres connections from the catalogue: what the functions open at max scale, and the
PgBouncer pools (or, without PgBouncer, the max scale) that keep the server under its
`max_connections`.

Every pod keeps a psycopg pool of `FunctionSpec.db_pool` connections. At max scale the
functions would open `sum(max_scale * db_pool)` connections (about 850 with the catalogue's
scales against a default `max_connections` of 100). With PgBouncer the pods talk to it and
it keeps `transaction_pool` server connections per replica (transaction mode: the tenant
setting is transaction-local, so any server connection serves any tenant) plus a small
session pool for the relay's LISTEN. Without PgBouncer the max scale of each function is
cut so the sum fits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from shared.catalog import FunctionSpec
from shared.manifests.values import Database

SESSION_FUNCTIONS = frozenset({"relay"})  # LISTEN needs a session


@dataclass(frozen=True)
class ConnectionBudget:
    client_connections: int  # sum(max_scale * db_pool): what the pods open at max scale
    peak_transactions: int  # sum(max_scale * containerConcurrency): in-flight requests
    server_budget: int  # max_connections - reserved
    replicas: int
    transaction_pool: int  # PgBouncer default_pool_size of the transaction pool, per replica
    session_pool: int  # per replica
    functions: tuple[str, ...] = ()  # the functions whose roles share the pools

    def user_limits(self) -> dict[str, int]:
        """Server connections per function role and replica (PgBouncer pools per database
        and role): the relay has the session pool; no other function may take more than
        half of the transaction pool, so one function's burst (twenty check pods) cannot
        starve the API. max_db_connections still caps the sum."""
        half = max(1, math.ceil(self.transaction_pool / 2))
        return {n: self.session_pool if n in SESSION_FUNCTIONS else half for n in self.functions}

    @property
    def server_connections(self) -> int:
        return self.replicas * (self.transaction_pool + self.session_pool)


def client_connections(functions: Iterable[FunctionSpec]) -> int:
    return sum(f.max_scale * f.db_pool for f in functions)


def pgbouncer_budget(functions: Iterable[FunctionSpec], db: Database) -> ConnectionBudget:
    specs = list(functions)
    budget = db.max_connections - db.reserved_connections
    session = sum(f.max_scale * f.db_pool for f in specs if f.name in SESSION_FUNCTIONS) + 1
    per_replica = budget // db.pgbouncer_replicas
    transaction = per_replica - session
    if transaction < 5:
        raise ValueError(
            f"max_connections {db.max_connections} leaves {transaction} server connections per "
            "PgBouncer replica: raise it or lower pgbouncer_replicas"
        )
    return ConnectionBudget(
        client_connections=client_connections(specs),
        peak_transactions=sum(f.max_scale * f.container_concurrency for f in specs),
        server_budget=budget,
        replicas=db.pgbouncer_replicas,
        transaction_pool=transaction,
        session_pool=session,
        functions=tuple(f.name for f in specs),
    )


def fit_direct(functions: Iterable[FunctionSpec], db: Database) -> list[FunctionSpec]:
    """Without PgBouncer: scale every function's max scale down by the same factor until the
    pods' pools fit the server (never below min scale, never below 1)."""
    specs = list(functions)
    budget = db.max_connections - db.reserved_connections
    total = client_connections(specs)
    if total <= budget:
        return specs
    factor = budget / total
    out = []
    for f in specs:
        scale = max(f.min_scale, 1, math.floor(f.max_scale * factor))
        out.append(replace(f, max_scale=scale))
    # Rounding can leave a few connections over: take pods from the largest users first.
    while client_connections(out) > budget:
        shrinkable = [i for i, f in enumerate(out) if f.max_scale > max(f.min_scale, 1)]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda j: out[j].max_scale * out[j].db_pool)
        out[i] = replace(out[i], max_scale=out[i].max_scale - 1)
    if client_connections(out) > budget:
        raise ValueError(
            f"even at one pod per function the pools need {client_connections(out)} of "
            f"{budget} connections: enable PgBouncer"
        )
    return out
