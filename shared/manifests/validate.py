"""Offline validation of rendered manifests, as close to an API server + webhooks as we can.

1. JSON Schema (Draft 7) of the CRD, `<crds>/<group>/<kind>_<version>.json`.
2. Istio's own CEL rules (`x-kubernetes-validations` in `istio-crd-yaml/crd-all.gen.yaml`),
   evaluated with cel-python at every schema node that carries them.
3. The rules neither catches, re-implemented from Knative's admission webhooks: DeliverySpec
   (backoffPolicy linear|exponential, ISO-8601 durations, retry >= 0), Trigger filters (one
   dialect per `filters` entry, single-attribute exact/prefix/suffix, attribute names),
   KReference namespaces (no ref into another namespace), autoscaling annotations
   (min-scale <= max-scale, class/metric combinations, target, window, scale-down-delay...),
   revision timeoutSeconds and containerConcurrency bounds, and a Trigger's timeout not above
   the subscriber revision's timeoutSeconds.
4. The install findings of issue 15 (`shared/manifests/findings.py`, each with its source):
   documented Secrets, the migration Job, durable Broker backing, PVC feature flags,
   aggressive readiness probing, per-attempt timeouts, min-scale, Postgres connections,
   settings from the ConfigMap, non-root read-only containers; built-in kinds' basics.
5. Security rules (`shared/manifests/security.py`): no mesh-wide PeerAuthentication, no
   tenant VirtualService, the activator's real principal, principals in the rendered
   namespace, Triggers filtering on the tenant id with OIDC audiences, an EventPolicy per
   broker, no automounted API token.

`crds_dir()` is `../shared/crds` relative to the project root (`IDMESH_CRDS_DIR` overrides).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.broker.config import validate_trigger
from shared.broker.durations import parse_go_duration, parse_iso8601_duration
from shared.config import Settings
from shared.manifests.findings import builtin_errors, install_errors
from shared.manifests.security import security_errors

BUILTIN_GROUPS = frozenset({"apps", "batch", "rbac.authorization.k8s.io"})

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
AUTOSCALING = "autoscaling.knative.dev/"
KPA = "kpa.autoscaling.knative.dev"
HPA = "hpa.autoscaling.knative.dev"
MAX_REVISION_TIMEOUT_S = 600  # Knative's default max-revision-timeout-seconds
MAX_CONTAINER_CONCURRENCY = 1000


def crds_dir() -> Path:
    folder = Settings.from_env().crds_dir
    if folder:
        return Path(folder)
    return Path(__file__).resolve().parents[2].parent / "shared" / "crds"


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    cel_evaluated: int = 0
    cel_skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"


# -- 1. JSON Schema ----------------------------------------------------------------------
@cache
def _schema(group: str, kind: str, version: str) -> dict[str, Any] | None:
    path = crds_dir() / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def schema_errors(doc: Mapping[str, Any]) -> list[str]:
    import jsonschema

    api = str(doc.get("apiVersion", ""))
    kind = str(doc.get("kind", ""))
    if "/" not in api:
        return _core_errors(doc)
    if api.split("/")[0] in BUILTIN_GROUPS:
        return builtin_errors(doc)
    group, version = api.split("/", 1)
    schema = _schema(group, kind, version)
    if schema is None:
        return [f"{_name(doc)}: no schema for {api} {kind} in {crds_dir()}"]
    validator = jsonschema.Draft7Validator(schema)
    errors = []
    for e in sorted(validator.iter_errors(dict(doc)), key=lambda e: list(e.absolute_path)):
        if e.validator == "additionalProperties" and _preserves_unknown(
            group, kind, version, list(e.absolute_path)
        ):
            continue
        errors.append(
            f"{_name(doc)}: {'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        )
    return errors


@cache
def _knative_crds() -> dict[tuple[str, str, str], dict[str, Any]]:
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    folder = crds_dir() / "knative-crd-yaml"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            for version in crd["spec"]["versions"]:
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema:
                    key = (crd["spec"]["group"], crd["spec"]["names"]["kind"], version["name"])
                    out[key] = schema
    return out


def _preserves_unknown(group: str, kind: str, version: str, path: list[Any]) -> bool:
    """The catalogue's JSON schemas turn Knative's `x-kubernetes-preserve-unknown-fields`
    into `additionalProperties: false`; the API server uses Knative's own CRD, which keeps
    unknown fields there (e.g. Trigger `spec.delivery.timeout`, the delivery-timeout
    feature). Trust the real CRD at that node."""
    node = _knative_crds().get((group, kind, version))
    for part in path:
        if node is None:
            return False
        if isinstance(part, int):
            node = node.get("items")
        else:
            node = (node.get("properties") or {}).get(part)
    return bool(node and node.get("x-kubernetes-preserve-unknown-fields"))


def _core_errors(doc: Mapping[str, Any]) -> list[str]:
    """Core v1 kinds have no CRD schema here; check what the API server would."""
    errors = []
    if doc.get("apiVersion") != "v1" or doc.get("kind") not in ("Namespace", "ServiceAccount"):
        return builtin_errors(doc)
    meta = doc.get("metadata") or {}
    name = str(meta.get("name", ""))
    if not _DNS1123_LABEL.match(name) or len(name) > 63:
        errors.append(f"{_name(doc)}: metadata.name must be a DNS-1123 label")
    for k, v in (meta.get("labels") or {}).items():
        if not isinstance(v, str) or len(v) > 63:
            errors.append(f"{_name(doc)}: label {k} must be a string of at most 63 characters")
    if doc.get("kind") == "Namespace" and "namespace" in meta:
        errors.append(f"{_name(doc)}: a Namespace is not namespaced")
    return errors


# -- 2. Istio CEL rules ------------------------------------------------------------------
@cache
def _istio_crds() -> dict[tuple[str, str, str], dict[str, Any]]:
    path = crds_dir() / "istio-crd-yaml" / "crd-all.gen.yaml"
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            out[(group, kind, version["name"])] = version["schema"]["openAPIV3Schema"]
    return out


@cache
def _cel_program(rule: str):
    import celpy

    env = celpy.Environment()
    return env.program(env.compile(rule))


def _cel_value(value: Any):
    import celpy

    return celpy.json_to_cel(value)


def cel_errors(doc: Mapping[str, Any], report: Report) -> list[str]:
    api = str(doc.get("apiVersion", ""))
    if "/" not in api or not api.split("/")[0].endswith("istio.io"):
        return []
    group, version = api.split("/", 1)
    schema = _istio_crds().get((group, str(doc.get("kind")), version))
    if schema is None:
        return [f"{_name(doc)}: no Istio CRD for {api} {doc.get('kind')}"]
    errors: list[str] = []
    _walk_cel(schema, dict(doc), "", doc, errors, report)
    return errors


def _walk_cel(
    schema: Mapping[str, Any],
    value: Any,
    path: str,
    doc: Mapping[str, Any],
    errors: list[str],
    report: Report,
) -> None:
    for rule in schema.get("x-kubernetes-validations") or []:
        expr = rule["rule"]
        if "oldSelf" in expr:
            continue  # transition rules need a previous object
        try:
            result = _cel_program(expr).evaluate({"self": _cel_value(value)})
        except Exception as exc:  # an unsupported Kubernetes CEL library function
            report.cel_skipped.append(f"{path or '<root>'}: {expr[:60]} ({type(exc).__name__})")
            continue
        report.cel_evaluated += 1
        if isinstance(result, Exception) or not bool(result):
            message = rule.get("message") or f"failed rule: {expr}"
            errors.append(f"{_name(doc)}: {path or '<root>'}: {message}")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, sub in value.items():
            if key in props:
                _walk_cel(props[key], sub, f"{path}.{key}" if path else key, doc, errors, report)
            elif isinstance(extra, dict):
                _walk_cel(extra, sub, f"{path}[{key}]", doc, errors, report)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _walk_cel(schema["items"], item, f"{path}[{i}]", doc, errors, report)


# -- 3. Knative webhook rules ------------------------------------------------------------
def _int_ge0(annotations: Mapping[str, str], key: str, errors: list[str], where: str) -> int:
    if key not in annotations:
        return 0
    raw = annotations[key]
    try:
        value = int(str(raw), 10)
    except ValueError:
        errors.append(f"{where}: invalid value {raw!r} for {key}")
        return 0
    if value < 0 or value > 2**31 - 1:
        errors.append(f"{where}: {key}={raw} out of bounds [0, 2147483647]")
        return 0
    return value


def autoscaling_errors(annotations: Mapping[str, Any], where: str) -> list[str]:
    """Knative Serving's ValidateAnnotations (pkg/apis/autoscaling/annotation_validation.go)."""
    a = {k: str(v) for k, v in (annotations or {}).items() if str(k).startswith(AUTOSCALING)}
    errors: list[str] = []
    key = lambda name: AUTOSCALING + name  # noqa: E731
    cls = a.get(key("class"))
    if cls is not None and cls.endswith("autoscaling.knative.dev") and cls not in (KPA, HPA):
        errors.append(f"{where}: invalid value {cls!r} for {key('class')}")
    lo = _int_ge0(a, key("min-scale"), errors, where)
    hi = _int_ge0(a, key("max-scale"), errors, where)
    if hi != 0 and hi < lo:
        errors.append(f"{where}: max-scale={hi} is less than min-scale={lo}")
    if key("initial-scale") in a:
        try:
            if int(a[key("initial-scale")]) < 1:
                raise ValueError
        except ValueError:
            errors.append(
                f"{where}: invalid value {a[key('initial-scale')]!r} for initial-scale"
                " (0 needs allow-zero-initial-scale)"
            )
    for name, lo_b, hi_b in (
        ("panic-window-percentage", 1.0, 100.0),
        ("panic-threshold-percentage", 110.0, 1000.0),
        ("target-utilization-percentage", 1.0, 100.0),
    ):
        if key(name) in a:
            try:
                v = float(a[key(name)])
                if math.isnan(v) or not lo_b <= v <= hi_b:
                    errors.append(f"{where}: {name}={a[key(name)]} out of [{lo_b}, {hi_b}]")
            except ValueError:
                errors.append(f"{where}: invalid value {a[key(name)]!r} for {name}")
    if key("target") in a:
        try:
            if float(a[key("target")]) < 0.01:
                raise ValueError
        except ValueError:
            errors.append(f"{where}: target {a[key('target')]} should be at least 0.01")
    if key("target-burst-capacity") in a:
        try:
            v = float(a[key("target-burst-capacity")])
            if v < 0 and v != -1:
                raise ValueError
        except ValueError:
            errors.append(f"{where}: invalid target-burst-capacity")
    for name, lo_s, hi_s, whole in (
        ("window", 6.0, 3600.0, True),
        ("scale-down-delay", 0.0, 3600.0, True),
        ("scale-to-zero-pod-retention-period", 0.0, 3600.0, False),
    ):
        if key(name) in a:
            try:
                d = parse_go_duration(a[key(name)])
            except ValueError:
                errors.append(f"{where}: invalid duration {a[key(name)]!r} for {name}")
                continue
            if not lo_s <= d <= hi_s:
                errors.append(f"{where}: {name}={a[key(name)]} out of [{lo_s}s, {hi_s}s]")
            elif whole and abs(d - round(d)) > 1e-9:
                errors.append(f"{where}: {name} must be specified with at most second precision")
    metric = a.get(key("metric"))
    if metric is not None:
        effective = cls or KPA
        if effective == KPA and metric not in ("concurrency", "rps"):
            errors.append(f"{where}: invalid value {metric!r} for metric with the KPA class")
        if effective == HPA and metric == "":
            errors.append(f"{where}: empty metric with the HPA class")
    if (
        cls == KPA
        and key("metric-aggregation-algorithm") in a
        and a[key("metric-aggregation-algorithm")]
        not in ("linear", "weightedExponential", "weighted-exponential")
    ):
        errors.append(f"{where}: invalid metric-aggregation-algorithm")
    return errors


def _service_errors(doc: Mapping[str, Any]) -> list[str]:
    where = _name(doc)
    errors: list[str] = []
    name = str((doc.get("metadata") or {}).get("name", ""))
    if not _DNS1035_LABEL.match(name) or len(name) > 63:
        errors.append(f"{where}: metadata.name must be a DNS-1035 label")
    template = (doc.get("spec") or {}).get("template") or {}
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    errors += autoscaling_errors(annotations, where)
    errors += autoscaling_errors((doc.get("metadata") or {}).get("annotations") or {}, where)
    spec = template.get("spec") or {}
    cc = spec.get("containerConcurrency")
    if cc is not None and not 0 <= int(cc) <= MAX_CONTAINER_CONCURRENCY:
        errors.append(f"{where}: containerConcurrency {cc} out of [0, 1000]")
    ts = spec.get("timeoutSeconds")
    if ts is not None and not 0 < int(ts) <= MAX_REVISION_TIMEOUT_S:
        errors.append(f"{where}: timeoutSeconds {ts} out of (0, {MAX_REVISION_TIMEOUT_S}]")
    containers = spec.get("containers") or []
    if len(containers) != 1:
        errors.append(f"{where}: exactly one serving container expected")
    for c in containers:
        ports = c.get("ports") or []
        if len(ports) > 1:
            errors.append(f"{where}: at most one container port")
        for probe_name in ("readinessProbe", "livenessProbe"):
            probe = c.get(probe_name)
            if not probe:
                errors.append(f"{where}: container {c.get('name')} has no {probe_name}")
        env_names = [e.get("name") for e in c.get("env") or []]
        reserved = {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"} & set(env_names)
        if reserved:
            errors.append(f"{where}: reserved env var(s) {sorted(reserved)}")
    return errors


def _ref_namespace_errors(doc: Mapping[str, Any], dest: Any, path: str) -> list[str]:
    ns = (doc.get("metadata") or {}).get("namespace")
    ref = (dest or {}).get("ref") if isinstance(dest, Mapping) else None
    if ref and ref.get("namespace") and ns and ref["namespace"] != ns:
        return [
            f"{_name(doc)}: {path}.ref.namespace: mismatched namespaces "
            f"(parent {ns!r}, ref {ref['namespace']!r})"
        ]
    return []


def knative_errors(doc: Mapping[str, Any]) -> list[str]:
    kind, api = doc.get("kind"), doc.get("apiVersion")
    spec = doc.get("spec") or {}
    if api == "eventing.knative.dev/v1" and kind == "Trigger":
        errors = [f"{_name(doc)}: {e}" for e in validate_trigger(doc)]
        errors += _ref_namespace_errors(doc, spec.get("subscriber"), "spec.subscriber")
        errors += _ref_namespace_errors(
            doc, (spec.get("delivery") or {}).get("deadLetterSink"), "spec.delivery.deadLetterSink"
        )
        return errors
    if api == "eventing.knative.dev/v1" and kind == "Broker":
        from shared.broker.config import validate_delivery

        return [f"{_name(doc)}: {e}" for e in validate_delivery(spec.get("delivery"))]
    if api == "serving.knative.dev/v1" and kind == "Service":
        return _service_errors(doc)
    if api == "sources.knative.dev/v1" and kind == "PingSource":
        fields = str(spec.get("schedule", "")).split()
        if len(fields) != 5:
            return [f"{_name(doc)}: spec.schedule must be a 5-field cron expression"]
        return _ref_namespace_errors(doc, spec.get("sink"), "spec.sink")
    return []


def cross_errors(docs: list[Mapping[str, Any]]) -> list[str]:
    """A Trigger whose delivery.timeout exceeds the subscriber revision's timeoutSeconds
    would be cut by the queue-proxy first (and retried as a failure)."""
    timeouts: dict[str, int] = {}
    for d in docs:
        if d.get("kind") == "Service" and str(d.get("apiVersion")).startswith("serving.knative"):
            meta = d.get("metadata") or {}
            ts = (
                ((d.get("spec") or {}).get("template") or {})
                .get("spec", {})
                .get("timeoutSeconds", 300)
            )
            timeouts[f"{meta.get('name')}.{meta.get('namespace')}"] = int(ts)
    errors = []
    for d in docs:
        if d.get("kind") != "Trigger":
            continue
        spec = d.get("spec") or {}
        uri = str((spec.get("subscriber") or {}).get("uri", ""))
        m = re.match(r"^https?://([a-z0-9-]+)\.([a-z0-9-]+)\.svc", uri)
        timeout = (spec.get("delivery") or {}).get("timeout")
        if not m or not timeout or f"{m[1]}.{m[2]}" not in timeouts:
            continue
        if parse_iso8601_duration(timeout) > timeouts[f"{m[1]}.{m[2]}"]:
            errors.append(
                f"{_name(d)}: delivery.timeout {timeout} is above the timeoutSeconds "
                f"({timeouts[f'{m[1]}.{m[2]}']}) of {m[1]}"
            )
    return errors


def validate_documents(docs: Iterable[Mapping[str, Any]], production: bool = False) -> Report:
    """Every check over a set; `production` adds the install findings only production must
    satisfy (durable Broker backing, PgBouncer, https public URL, SMTP)."""
    docs = list(docs)
    report = Report()
    for doc in docs:
        report.errors += schema_errors(doc)
        report.errors += cel_errors(doc, report)
        report.errors += knative_errors(doc)
    report.errors += cross_errors(docs)
    report.errors += install_errors(docs, production)
    report.errors += security_errors(docs)
    return report
