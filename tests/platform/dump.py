"""What someone with the database (a superuser, a backup) or the data directory would read."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shared.db.cluster import find_pg_bin
from tests.conftest import PgStack


def database_dump(pg: PgStack) -> str:
    """A plain-SQL pg_dump of the idmesh database, taken as the cluster's superuser."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    owner_db = conninfo_to_dict(pg.urls.owner)["dbname"]
    return plain_dump(make_conninfo(pg.urls.admin, dbname=owner_db))


def plain_dump(url: str) -> str:
    """A plain-SQL, data-only pg_dump of the database at `url`."""
    out = subprocess.run(
        [str(find_pg_bin() / "pg_dump"), "--no-owner", "--data-only", "-d", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return out.stdout.decode("utf-8", "replace")


def files_containing(root: Path, markers: list[str], skip: tuple[str, ...] = ()) -> dict:
    """{marker: [files]} for every marker found (as UTF-8 bytes) under root."""
    found: dict[str, list[str]] = {}
    needles = [(m, m.encode()) for m in markers]
    for path in root.rglob("*"):
        if not path.is_file() or any(part in skip for part in path.parts):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for marker, needle in needles:
            if needle in data:
                found.setdefault(marker, []).append(str(path.relative_to(root)))
    return found
