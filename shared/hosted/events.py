"""Live status of a session for the "we're checking" page: a Server-Sent Events stream.

Each tick re-reads the session's status and progress from Postgres (never an event's
payload); a change is sent as one `status` event whose id is the state itself, so a client
that reconnects with `Last-Event-ID` is not sent the same state twice. The stream ends after
the decision or the tenant's review (`final`), when the session closes, or at the end of its
lifetime (the browser's EventSource reconnects by itself after `retry`); comments keep
proxies from timing out an idle stream. Plain bytes in, plain bytes out: no HTTP here."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

RETRY_MS = 2000
LIFETIME_S = 30.0
TICK_S = 0.5
KEEPALIVE_S = 10.0
MAX_STREAMS = 4  # per process: the rest of the server's threads stay for pages


@dataclass(frozen=True)
class Snapshot:
    status: str
    final: bool
    done: int
    total: int
    message: str

    @property
    def event_id(self) -> str:
        return f"{self.status}.{self.done}"

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "final": self.final,
            "done": self.done,
            "total": self.total,
            "message": self.message,
        }


def format_event(data: dict, event: str | None = None, event_id: str | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def status_stream(
    read: Callable[[], Snapshot | None],
    last_event_id: str | None = None,
    lifetime: float = LIFETIME_S,
    tick: float = TICK_S,
    keepalive: float = KEEPALIVE_S,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[bytes]:
    """`read()` answers the current state (None: the session is closed or gone)."""
    start = last_sent = clock()
    yield f"retry: {RETRY_MS}\n\n".encode()
    sent = last_event_id
    while True:
        snap = read()
        if snap is None:
            yield format_event({"status": "closed", "final": True}, event="closed")
            return
        if snap.event_id != sent:
            sent = snap.event_id
            last_sent = clock()
            yield format_event(snap.as_dict(), event="status", event_id=sent)
        if snap.final:
            return
        now = clock()
        if now - start >= lifetime:
            return
        if now - last_sent >= keepalive:
            last_sent = now
            yield b": keep-alive\n\n"
        sleep(tick)


class StreamSlots:
    """At most `limit` open streams in this process; a client over it falls back to polling."""

    def __init__(self, limit: int = MAX_STREAMS) -> None:
        self._sem = threading.BoundedSemaphore(limit)

    def take(self) -> Callable[[], None] | None:
        if not self._sem.acquire(blocking=False):
            return None
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self._sem.release()

        return release
