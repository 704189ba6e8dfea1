"""The whole local stack on a fresh data directory, for a bench run, removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.config import Settings
from shared.db.cluster import EmbeddedPostgres, free_port
from shared.local.stack import Stack


@contextmanager
def bench_stack(
    prefix: str = "idmesh-bench-", *, extra_env: dict[str, str] | None = None, **options
) -> Iterator[Stack]:
    """A started `Stack` (its own embedded Postgres in a new temp dir, registrations not
    rate-limited, `extra_env` for every process, other `Stack` options as given); stopped,
    its database too, and its directory deleted on exit."""
    data = Path(tempfile.mkdtemp(prefix=prefix))
    data.chmod(0o755)  # the postgres OS user must traverse it
    stack = Stack(
        Settings(data_dir=data, registration_per_client_per_hour=100000),
        api_port=free_port(),
        extra_env={"IDMESH_REGISTRATION_PER_CLIENT_PER_HOUR": "100000", **(extra_env or {})},
        **options,
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop(stop_database=True)
        EmbeddedPostgres(data).stop()
        shutil.rmtree(data, ignore_errors=True)
