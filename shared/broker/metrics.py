"""Counters of the local broker, exposed in Prometheus text format on GET /metrics."""

from __future__ import annotations

import threading
from collections import defaultdict

_HELP = {
    "idmesh_broker_events_accepted_total": "Events accepted by an ingress (202).",
    "idmesh_broker_events_rejected_total": "Produce requests refused by an ingress.",
    "idmesh_broker_deliveries_total": "Successful deliveries to a Trigger subscriber.",
    "idmesh_broker_retries_total": "Delivery attempts that failed and were scheduled again.",
    "idmesh_broker_dead_letters_total": "Deliveries given up and recorded as dead letters.",
    "idmesh_broker_replies_total": "Reply events re-ingested into their broker.",
    "idmesh_broker_ttl_dropped_total": "Reply events dropped by the knativebrokerttl guard.",
}


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted((k, str(v)) for k, v in labels.items())))
        with self._lock:
            self._values[key] += amount

    def value(self, name: str, **labels: str) -> float:
        """Sum of a counter over the series matching the given labels."""
        with self._lock:
            return sum(
                v
                for (n, lbls), v in self._values.items()
                if n == name and all(dict(lbls).get(k) == str(x) for k, x in labels.items())
            )

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            items = sorted(self._values.items())
        for name, help_text in _HELP.items():
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} counter")
            series = [(lbls, v) for (n, lbls), v in items if n == name]
            if not series:
                lines.append(f"{name} 0")
            for lbls, v in series:
                label_text = ",".join(f'{k}="{_escape(val)}"' for k, val in lbls)
                lines.append(f"{name}{{{label_text}}} {v:g}" if label_text else f"{name} {v:g}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
