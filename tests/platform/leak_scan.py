"""Where personal data could leak out of the stack, read back as text, and a scanner for
markers in it: log lines, span files, metric expositions, outbox rows, webhook payloads and
the local broker's stored events."""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg


@dataclass(frozen=True)
class Marker:
    """One secret or personal datum, and the patterns that would show it leaked."""

    name: str
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def text(cls, name: str, value: str) -> Marker:
        return cls(name, (re.compile(re.escape(value), re.IGNORECASE),))

    @classmethod
    def digits(cls, name: str, *values: str) -> Marker:
        """Numbers (codes, phone numbers, dates) not inside a longer number or a decimal."""
        return cls(
            name,
            tuple(re.compile(rf"(?<![\d.]){re.escape(v)}(?!\.?\d)") for v in values),
        )

    @classmethod
    def blob(cls, name: str, data: bytes, windows: int = 4, width: int = 24) -> Marker:
        """Bytes of a file (an image, a PDF, a chip file) as they would show in text: hex,
        base64 at every alignment, or Python's repr, for a few windows of the file."""
        pats: list[str] = []
        step = max(1, (len(data) - width) // (windows + 1))
        for i in range(1, windows + 1):
            chunk = data[i * step : i * step + width]
            if len(chunk) < width:
                continue
            pats.append(chunk.hex())
            for shift in range(3):
                b64 = base64.b64encode(chunk[shift:]).decode()
                pats += [b64[4:-4], b64[4:-4].replace("+", "-").replace("/", "_")]
            escaped = repr(chunk)[2:-1][:40]
            pats += [escaped, escaped.replace("\\", "\\\\")]  # as is, and inside JSON
        return cls(name, tuple(re.compile(re.escape(p), re.IGNORECASE) for p in pats))


@dataclass(frozen=True)
class Leak:
    marker: str
    source: str
    line: str


def scan(sources: Iterable[tuple[str, str]], markers: Iterable[Marker]) -> list[Leak]:
    """Every (source, line) that shows one of the markers."""
    markers = list(markers)
    found: list[Leak] = []
    for source, text in sources:
        for line in text.splitlines():
            for m in markers:
                if any(p.search(line) for p in m.patterns):
                    found.append(Leak(m.name, source, line[:300]))
    return found


def file_sources(root: Path) -> Iterator[tuple[str, str]]:
    """Every log line of every process of a stack and every span it kept locally."""
    for path in sorted([*(root / "logs").glob("*.log"), *(root / "spans").glob("*.jsonl")]):
        yield f"{path.parent.name}/{path.name}", path.read_text(errors="replace")


def metric_sources(
    urls: dict[str, str], headers: dict[str, dict[str, str]]
) -> Iterator[tuple[str, str]]:
    """Each function's Prometheus exposition, scraped as the scraper does."""
    for name, url in urls.items():
        r = httpx.get(url, headers=headers.get(name, {}), timeout=30)
        assert r.status_code == 200, (name, url, r.status_code)
        assert "idmesh_" in r.text or name == "broker", (name, r.text[:300])
        yield f"metrics/{name}", r.text


def event_sources(admin_url: str, broker_state: Path) -> Iterator[tuple[str, str]]:
    """Outbox rows, webhook payloads and the local broker's stored events and deliveries."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for table, column in (("outbox", "event"), ("webhook_deliveries", "payload")):
            rows = conn.execute(f"SELECT {column}::text FROM {table}").fetchall()
            yield f"db/{table}", "\n".join(r[0] for r in rows)
    db = sqlite3.connect(f"file:{broker_state / 'broker.sqlite3'}?mode=ro", uri=True)
    try:
        for table, columns in (
            ("events", "structured, headers"),
            ("deliveries", "trigger_spec, last_error, last_body"),
            ("dead_letters", "error_data"),
        ):
            rows = db.execute(f"SELECT {columns} FROM {table}").fetchall()
            yield f"broker/{table}", "\n".join(" ".join(map(_text, r)) for r in rows)
    finally:
        db.close()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
