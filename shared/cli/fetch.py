"""A file argument of the operator's commands: a path, or an https URL downloaded to a
temporary file first (the reference-data Jobs on a cluster load official lists by URL)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def local_file(arg: str | Path) -> Iterator[Path]:
    text = str(arg)
    if not text.startswith(("https://", "http://")):
        yield Path(text)
        return
    with tempfile.TemporaryDirectory(prefix="idmesh-fetch-") as tmp:
        path = Path(tmp) / (text.rstrip("/").rsplit("/", 1)[-1] or "download")
        with httpx.stream("GET", text, follow_redirects=True, timeout=120) as resp:
            resp.raise_for_status()
            with open(path, "wb") as fh:
                for chunk in resp.iter_bytes(1 << 20):
                    fh.write(chunk)
        yield path
