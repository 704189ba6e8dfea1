"""The Grafana dashboard and the alert rules speak of metrics that idmesh really exports,
and the rules pass promtool (Debian's `prometheus` package) where it is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from shared.broker.metrics import _HELP as BROKER_METRICS
from shared.observability import metrics

ROOT = Path(__file__).resolve().parents[2] / "knative" / "observability"
_NAME = re.compile(r"\b(idmesh_[a-z_]+)")


def _exported() -> set[str]:
    names = set(BROKER_METRICS)
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            base = family.name
            names |= {base, f"{base}_total", f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    return names


def test_dashboard_queries_only_exported_metrics():
    dash = json.loads((ROOT / "grafana-dashboard.json").read_text())
    exported = _exported()
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 12
    used = {n for e in exprs for n in _NAME.findall(e)}
    assert used and used <= exported, used - exported
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))


def test_alert_rules_use_exported_metrics():
    rules = yaml.safe_load((ROOT / "alerts.yaml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    wanted = {"IdmeshOutboxLag", "IdmeshDeadLetters", "IdmeshHttpErrorRatio", "IdmeshApiLatencyP95"}
    assert wanted <= {r["alert"] for g in rules["groups"] for r in g["rules"]}
    used = {n for e in exprs for n in _NAME.findall(e)}
    assert used <= _exported(), used - _exported()


def test_promtool_checks_and_unit_tests_the_rules():
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool missing: ./dev installs Debian's prometheus package")
        pytest.skip("promtool not installed")
    for args in (["check", "rules", "alerts.yaml"], ["test", "rules", "alerts_test.yaml"]):
        out = subprocess.run([promtool, *args], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
