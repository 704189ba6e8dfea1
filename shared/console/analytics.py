"""Analytics over the tenant's own rows (SQL in the tenant transaction) and the simple
server-side SVG charts the console shows (no script, no third-party library)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

import psycopg


@dataclass
class Analytics:
    days: int
    funnel: list[tuple[str, int]]
    decisions: list[tuple[str, int]]
    reasons: list[tuple[str, int]]
    time_to_decision: dict[str, float | None]
    workload: list[tuple[str, int]]


def analytics(conn: psycopg.Connection, days: int = 30) -> Analytics:
    since = "now() - make_interval(days => %s)"
    f = conn.execute(
        "SELECT count(*) AS created, count(submitted_at) AS submitted, "
        "count(decided_at) AS decided FROM sessions "
        f"WHERE created_at >= {since}",
        (days,),
    ).fetchone()
    decisions = conn.execute(
        "SELECT status, count(*) AS n FROM sessions WHERE status IN ('approved', "
        f"'declined', 'in_review', 'resubmission_requested') AND created_at >= {since} "
        "GROUP BY status ORDER BY n DESC",
        (days,),
    ).fetchall()
    reasons = conn.execute(
        "SELECT code, count(*) AS n FROM sessions, "
        "jsonb_array_elements_text(coalesce(decision->'reason_codes', '[]'::jsonb)) AS code "
        f"WHERE status IN ('declined', 'in_review') AND created_at >= {since} "
        "GROUP BY code ORDER BY n DESC, code LIMIT 10",
        (days,),
    ).fetchall()
    ttd = conn.execute(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90 FROM ("
        "SELECT extract(epoch FROM decided_at - submitted_at) AS s FROM sessions "
        f"WHERE decided_at IS NOT NULL AND submitted_at IS NOT NULL AND created_at >= {since}"
        ") x",
        (days,),
    ).fetchone()
    workload = conn.execute(
        "SELECT coalesce(u.name, u.email) AS who, count(*) AS n FROM audit_log a "
        "JOIN console_users u ON a.actor = 'user:' || u.id::text "
        f"WHERE a.action = 'session.reviewed' AND a.created_at >= {since} "
        "GROUP BY who ORDER BY n DESC LIMIT 10",
        (days,),
    ).fetchall()
    return Analytics(
        days=days,
        funnel=[
            ("created", f["created"]),
            ("submitted", f["submitted"]),
            ("decided", f["decided"]),
        ],
        decisions=[(r["status"], r["n"]) for r in decisions],
        reasons=[(r["code"], r["n"]) for r in reasons],
        time_to_decision={
            "p50_s": None if ttd["p50"] is None else round(float(ttd["p50"]), 1),
            "p90_s": None if ttd["p90"] is None else round(float(ttd["p90"]), 1),
        },
        workload=[(r["who"], r["n"]) for r in workload],
    )


def bar_chart(title: str, rows: list[tuple[str, int]], width: int = 520) -> str:
    """A horizontal bar chart as inline SVG markup (labels escaped; no script)."""
    bar_h, gap, label_w = 22, 8, 200
    height = max(1, len(rows)) * (bar_h + gap) + 30
    top = max([n for _, n in rows] or [1]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="44">no data yet</text>')
    for i, (label, n) in enumerate(rows):
        y = 28 + i * (bar_h + gap)
        w = int((width - label_w - 50) * n / top)
        parts.append(f'<text x="0" y="{y + 16}">{escape(str(label))[:32]}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" class="bar"/>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 16}">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
