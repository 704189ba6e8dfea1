"""Local span store: finished spans as JSON lines under the data directory, and the tree of
one session read back from them (`idmesh trace SESSION_ID`), with no collector needed."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult


class SpanFileExporter(SpanExporter):
    """Appends each finished span as one JSON line to `<dir>/<service>-<pid>.jsonl`."""

    def __init__(self, directory: Path, service: str) -> None:
        self.directory = Path(directory)
        self.service = service
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(_record(s, self.service), default=str) for s in spans]
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{self.service}-{os.getpid()}.jsonl"
            with self._lock, path.open("a", encoding="utf-8") as out:
                out.write("".join(line + "\n" for line in lines))
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def _record(s: ReadableSpan, service: str) -> dict[str, Any]:
    ctx = s.get_span_context()
    return {
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_id": f"{s.parent.span_id:016x}" if s.parent else None,
        "name": s.name,
        "service": service,
        "kind": s.kind.name.lower(),
        "start_ns": s.start_time,
        "end_ns": s.end_time,
        "status": s.status.status_code.name.lower(),
        "attributes": dict(s.attributes or {}),
        "links": [f"{ln.context.trace_id:032x}-{ln.context.span_id:016x}" for ln in s.links],
    }


@dataclass
class SpanNode:
    record: dict[str, Any]
    children: list[SpanNode] = field(default_factory=list)

    @property
    def ms(self) -> float:
        r = self.record
        return ((r["end_ns"] or r["start_ns"]) - r["start_ns"]) / 1e6


def read_spans(directory: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        continue  # a line cut by a crash
    return out


def session_tree(directory: Path, session_id: str) -> list[SpanNode]:
    """The spans of a session's trace as trees under its (virtual) root, oldest first."""
    u = uuid.UUID(session_id)
    trace_id = f"{u.int:032x}"
    spans = [r for r in read_spans(directory) if r["trace_id"] == trace_id]
    nodes = {r["span_id"]: SpanNode(r) for r in spans}
    roots: list[SpanNode] = []
    for node in nodes.values():
        parent = nodes.get(node.record["parent_id"] or "")
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.record["start_ns"])
    return sorted(roots, key=lambda n: n.record["start_ns"])


def render_tree(roots: list[SpanNode], session_id: str) -> str:
    if not roots:
        return f"no spans for session {session_id}\n"
    t0 = roots[0].record["start_ns"]
    end = max(_last_end(n) for n in roots)
    lines = [f"session {session_id}  ({(end - t0) / 1e6:.1f} ms, {_count(roots)} spans)"]

    def walk(node: SpanNode, depth: int) -> None:
        r = node.record
        offset = (r["start_ns"] - t0) / 1e6
        mark = "" if r["status"] != "error" else "  ERROR"
        extra = ""
        for key in ("idmesh.check", "cloudevents.event_type", "http.route"):
            if key in r["attributes"]:
                extra += f" {r['attributes'][key]}"
        lines.append(
            f"{'  ' * depth}├ {r['service']}: {r['name']}{extra}  "
            f"+{offset:.1f} ms  {node.ms:.1f} ms{mark}"
        )
        for child in node.children:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 1)
    return "\n".join(lines) + "\n"


def _last_end(node: SpanNode) -> int:
    end = node.record["end_ns"] or node.record["start_ns"]
    return max([end, *(_last_end(c) for c in node.children)])


def _count(nodes: list[SpanNode]) -> int:
    return sum(1 + _count(n.children) for n in nodes)
