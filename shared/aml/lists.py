"""Loading a list file into the store: provenance, idempotence, progress."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from shared.aml.loaders import parse_file
from shared.aml.models import ListVersion
from shared.aml.store import ListStore, Progress


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_list_file(
    store: ListStore,
    path: Path,
    fmt: str,
    list_name: str | None = None,
    progress: Progress | None = None,
    source: str | None = None,
) -> tuple[ListVersion, bool]:
    """Parse `path` and store it as a new version of its list; (version, changed).

    `changed` is False when this exact file (same sha256) is already the current version."""
    path = Path(path)
    parsed, default_name = parse_file(path, fmt)
    name = list_name or default_name
    sha = file_sha256(path)
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    version = ListVersion(
        id=f"{name}-{parsed.published or 'unknown'}-{stamp}-{sha[:8]}",
        list=name,
        source=source if source and "://" in source else str(path.resolve()),
        format=fmt,
        published=parsed.published,
        sha256=sha,
        loaded_at=now.isoformat(timespec="seconds"),
    )
    entities = parsed.entities
    if list_name and list_name != default_name:
        entities = (
            e.model_copy(update={"list": name, "id": f"{name}:{e.id.split(':', 1)[-1]}"})
            for e in parsed.entities
        )
    return store.load_version(version, entities, progress)
