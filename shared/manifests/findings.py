"""Install checks: each finding of issue 15 ("a cluster a platform team can install") as a
rule of the offline validator, with the source it is read from.

`install_errors(docs, production)` runs over a whole document set (platform + tenants);
`production=True` adds what only a production install must have (a durable Broker backing,
PgBouncer, a public https URL). Core kinds are checked by `builtin_errors`.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Mapping
from typing import Any

from shared.broker.durations import parse_iso8601_duration
from shared.catalog import COLD_START_OVERHEAD_S
from shared.manifests.install import CONFIG_MAP, PGBOUNCER_NAME
from shared.manifests.secrets import SECRETS

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Components a cold start would stall for every session (issue 15, "Knative timings").
ALWAYS_WARM = ("orchestrator", "relay")
DURABLE_CLASSES = frozenset({"Kafka", "NatssChannel", "RabbitMQBroker"})
LOOPBACK = re.compile(r"^https?://(127\.|localhost|\[::1\])")

SOURCES = {
    "secrets": "Kubernetes: a missing Secret/key in secretKeyRef fails the pod with "
    "CreateContainerConfigError (kubelet, pkg/kubelet/kuberuntime)",
    "migrations": "issue 15: no Job runs the migrations with the owner role; "
    "shared/db/schema_level.py: /readyz waits for the image's migration level "
    "(IDMESH_REQUIRE_SCHEMA)",
    "broker": "Knative Eventing docs, channel-based broker: InMemoryChannel is "
    '"not for production"; spec.config names the durable channel or class config',
    "pvc": "Knative Serving config-features: kubernetes.podspec-persistent-volume-claim "
    "(and -write) are disabled by default, the webhook refuses the volume; a claim shared "
    "across nodes needs ReadOnlyMany (Kubernetes access modes). idmesh keeps platform data "
    "in Postgres (migration 0170), so no Service mounts one",
    "readiness": "Knative Serving (pkg/queue/readiness): the queue-proxy probes aggressively "
    "(every 25 ms) only when readinessProbe.periodSeconds is 0/unset",
    "timeouts": "Knative Eventing DeliverySpec.timeout is per delivery attempt "
    "(eventing pkg/apis/duck/v1/delivery_types.go); a scale from zero adds scheduling, "
    "image pull, sidecar start and the measured warm-up (README benchmarks)",
    "connections": "PostgreSQL max_connections (default 100); psycopg pools per pod",
    "settings": "shared/config.py: without IDMESH_SMTP_HOST / IDMESH_SMS_WEBHOOK_URL codes "
    "stay in the messages table, IDMESH_PUBLIC_URL defaults to http://127.0.0.1:8080",
    "image": "Kubernetes Pod Security Standards, restricted profile (runAsNonRoot, no "
    "privilege escalation, capabilities dropped, RuntimeDefault seccomp); image/Containerfile "
    "is the one image every Service runs (no ghcr.io/idmesh/<fn>:latest)",
    "provisioning": "Knative Eventing broker ingress answers 404 for a Broker that does not "
    "exist (pkg/broker/ingress); POST /v1/register/verify must lead to the tenant's Broker",
}


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"


def _kn_services(docs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [
        d
        for d in docs
        if d.get("kind") == "Service" and str(d.get("apiVersion")).startswith("serving.knative")
    ]


def _pod(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}


def _annotations(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    tmpl = (doc.get("spec") or {}).get("template") or {}
    return (tmpl.get("metadata") or {}).get("annotations") or {}


def _component(doc: Mapping[str, Any]) -> str:
    return str(
        ((doc.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/component", "")
    )


def _containers(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(_pod(doc).get("containers") or [])


def _err(doc: Mapping[str, Any], what: str, source: str) -> str:
    return f"{_name(doc)}: {what} [{SOURCES[source]}]"


# -- per document -------------------------------------------------------------------------
def _secret_refs(doc: Mapping[str, Any]) -> list[str]:
    errors = []
    for c in _containers(doc):
        for e in c.get("env") or []:
            ref = ((e.get("valueFrom") or {}).get("secretKeyRef")) or {}
            if not ref:
                continue
            spec = SECRETS.get(str(ref.get("name")))
            if spec is None or ref.get("key") not in spec.key_names():
                errors.append(
                    _err(
                        doc,
                        f"secretKeyRef {ref.get('name')}/{ref.get('key')} is not a "
                        "documented Secret (shared/manifests/secrets.py)",
                        "secrets",
                    )
                )
            elif spec.optional and not ref.get("optional"):
                errors.append(
                    _err(doc, f"optional Secret {spec.name} referenced as required", "secrets")
                )
    return errors


def _service_rules(doc: Mapping[str, Any]) -> list[str]:
    errors = _secret_refs(doc)
    for c in _containers(doc):
        probe = c.get("readinessProbe") or {}
        if probe.get("periodSeconds"):
            errors.append(
                _err(
                    doc,
                    "readinessProbe.periodSeconds turns off aggressive "
                    "readiness probing on scale from zero",
                    "readiness",
                )
            )
        sc = c.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") and sc.get("readOnlyRootFilesystem")):
            errors.append(
                _err(
                    doc, "container must run as non-root with a read-only root filesystem", "image"
                )
            )
        envfrom = [((e.get("configMapRef") or {}).get("name")) for e in c.get("envFrom") or []]
        if CONFIG_MAP not in envfrom:
            errors.append(
                _err(doc, f"settings must come from the {CONFIG_MAP} ConfigMap", "settings")
            )
    comp = _component(doc)
    if comp in ALWAYS_WARM:
        try:
            lo = int(str(_annotations(doc).get("autoscaling.knative.dev/min-scale", "0")))
        except ValueError:
            lo = 0
        if lo < 1:
            errors.append(
                _err(
                    doc,
                    f"{comp} needs min-scale >= 1 (a cold start stalls every session)",
                    "timeouts",
                )
            )
    return errors


def _broker_rules(doc: Mapping[str, Any], production: bool) -> list[str]:
    if not production:
        return []
    cls = ((doc.get("metadata") or {}).get("annotations") or {}).get(
        "eventing.knative.dev/broker.class", "MTChannelBasedBroker"
    )
    config = (doc.get("spec") or {}).get("config")
    if cls not in DURABLE_CLASSES and not config:
        return [
            _err(
                doc,
                "no spec.config: a stock install backs this Broker with an "
                "InMemoryChannel (events lost on a dispatcher restart)",
                "broker",
            )
        ]
    return []


# -- across the set -----------------------------------------------------------------------
def _by_kind(docs: list[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
    return [d for d in docs if d.get("kind") == kind]


def _configmap(docs: list[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    for d in _by_kind(docs, "ConfigMap"):
        if (d.get("metadata") or {}).get("name") == name:
            return d
    return None


def _pvc_rules(docs: list[Mapping[str, Any]]) -> list[str]:
    """No Knative Service mounts a PersistentVolumeClaim: the webhook refuses it unless the
    PVC features are enabled, and pods on several nodes could share it only ReadOnlyMany.
    The reference data the aml/nfc functions read lives in Postgres instead."""
    errors = []
    for d in _kn_services(docs):
        for v in _pod(d).get("volumes") or []:
            claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if claim is not None:
                errors.append(
                    _err(
                        d,
                        f"mounts the PersistentVolumeClaim {claim}: platform data belongs in "
                        "Postgres (idmesh aml load / idmesh nfc trust import Jobs)",
                        "pvc",
                    )
                )
    return errors


def _timeout_rules(docs: list[Mapping[str, Any]]) -> list[str]:
    cold = {}
    for s in _kn_services(docs):
        meta = s.get("metadata") or {}
        lo = str(_annotations(s).get("autoscaling.knative.dev/min-scale", "0"))
        cold[f"{meta.get('name')}.{meta.get('namespace')}"] = lo in ("", "0")
    errors = []
    for t in _by_kind(docs, "Trigger"):
        spec = t.get("spec") or {}
        uri = str((spec.get("subscriber") or {}).get("uri", ""))
        m = re.match(r"^https?://([a-z0-9-]+)\.([a-z0-9-]+)\.svc", uri)
        timeout = (spec.get("delivery") or {}).get("timeout")
        if not m or not timeout or not cold.get(f"{m[1]}.{m[2]}"):
            continue
        if parse_iso8601_duration(timeout) < COLD_START_OVERHEAD_S:
            errors.append(
                _err(
                    t,
                    f"delivery.timeout {timeout} is below a scale from zero "
                    f"({COLD_START_OVERHEAD_S} s before the function's own "
                    "start)",
                    "timeouts",
                )
            )
    return errors


def _connection_rules(docs: list[Mapping[str, Any]], production: bool) -> list[str]:
    services = _kn_services(docs)
    if not services:
        return []
    bouncer = _configmap(docs, PGBOUNCER_NAME)
    if bouncer is None:
        if production:
            return [f"set: production needs PgBouncer [{SOURCES['connections']}]"]
        total = 0
        for s in services:
            raw = str(_annotations(s).get("autoscaling.knative.dev/max-scale", "0"))
            if not raw.isdigit():
                continue  # reported by the autoscaling annotation rules
            scale = int(raw)
            env = {
                e.get("name"): e.get("value") for c in _containers(s) for e in c.get("env") or []
            }
            pool = int(env.get("IDMESH_DB_POOL_SIZE") or 4)
            if scale == 0:
                return [_err(s, "unbounded max-scale opens unbounded connections", "connections")]
            total += scale * pool
        if total > 100:
            return [
                f"set: the functions open {total} Postgres connections at max scale, above "
                f"the default max_connections of 100 without PgBouncer "
                f"[{SOURCES['connections']}]"
            ]
        return []
    data = bouncer.get("data") or {}
    ini = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";", "#"))
    ini.read_string(data.get("pgbouncer.ini", ""))
    server_max = int(data.get("server-max-connections", "100"))
    replicas = int(data.get("replicas", "1"))
    pools = 0
    section = dict(ini.items("databases")) if ini.has_section("databases") else {}
    for line in section.values():
        m = re.search(r"pool_size=(\d+)", line)
        pools += int(m[1]) if m else 20  # PgBouncer's default_pool_size
    if replicas * pools > server_max:
        return [
            f"ConfigMap {PGBOUNCER_NAME}: {replicas} replicas x {pools} server connections "
            f"exceed max_connections {server_max} [{SOURCES['connections']}]"
        ]
    return []


def _platform_rules(docs: list[Mapping[str, Any]], production: bool) -> list[str]:
    """Only for a set that holds the platform's Services (not a tenant set alone)."""
    services = [s for s in _kn_services(docs) if _component(s) == "api"]
    if not services:
        return []
    errors = []
    images = {c.get("image") for s in _kn_services(docs) for c in _containers(s)}
    if len(images) > 1:
        errors.append(
            f"set: one image for every function expected, got {sorted(map(str, images))} "
            f"[{SOURCES['image']}]"
        )
    if production and any(
        str(i).endswith(":latest") or ":" not in str(i).rsplit("/", 1)[-1] for i in images
    ):
        errors.append(
            "set: production pins the image (a tag other than latest, or a digest) "
            f"[{SOURCES['image']}]"
        )
    provisioner = [s for s in _kn_services(docs) if _component(s) == "provisioner"]
    triggers = [
        t
        for t in _by_kind(docs, "Trigger")
        if "provisioner." in str(((t.get("spec") or {}).get("subscriber") or {}).get("uri", ""))
    ]
    rbac = [
        r
        for r in _by_kind(docs, "ClusterRole")
        if (r.get("metadata") or {}).get("name") == "idmesh-provisioner"
    ]
    if not (provisioner and triggers and rbac):
        errors.append(
            "set: no provisioner (Service, tenant.registered Trigger and its ClusterRole) "
            f"[{SOURCES['provisioning']}]"
        )
    jobs = [
        j
        for j in _by_kind(docs, "Job")
        if "migrate" in " ".join(str(a) for c in _containers(j) for a in c.get("args") or [])
    ]
    if not jobs:
        errors.append(
            f"set: no migration Job (idmesh migrate as the owner) [{SOURCES['migrations']}]"
        )
    cm = _configmap(docs, CONFIG_MAP)
    data = (cm or {}).get("data") or {}
    if cm is None:
        errors.append(f"set: no {CONFIG_MAP} ConfigMap [{SOURCES['settings']}]")
    else:
        if data.get("IDMESH_REQUIRE_SCHEMA") != "true":
            errors.append(
                f"ConfigMap {CONFIG_MAP}: IDMESH_REQUIRE_SCHEMA must be true so the "
                f"Services wait for the migration Job [{SOURCES['migrations']}]"
            )
        url = data.get("IDMESH_PUBLIC_URL", "")
        if not url or LOOPBACK.match(url):
            errors.append(
                f"ConfigMap {CONFIG_MAP}: IDMESH_PUBLIC_URL {url!r} is not a public "
                f"URL [{SOURCES['settings']}]"
            )
        elif production and not url.startswith("https://"):
            errors.append(
                f"ConfigMap {CONFIG_MAP}: production needs an https public URL "
                f"[{SOURCES['settings']}]"
            )
        if production and not data.get("IDMESH_SMTP_HOST"):
            errors.append(
                f"ConfigMap {CONFIG_MAP}: production needs smtp.host (codes would stay "
                f"in the outbox table) [{SOURCES['settings']}]"
            )
    return errors


def install_errors(docs: Iterable[Mapping[str, Any]], production: bool = False) -> list[str]:
    docs = list(docs)
    errors: list[str] = []
    for d in docs:
        if d in _kn_services(docs):
            errors += _service_rules(d)
        elif d.get("kind") == "Broker":
            errors += _broker_rules(d, production)
        elif d.get("kind") in ("Job", "Deployment"):
            errors += _secret_refs(d)
    errors += _pvc_rules(docs)
    errors += _timeout_rules(docs)
    errors += _connection_rules(docs, production)
    errors += _platform_rules(docs, production)
    return errors


# -- built-in kinds -----------------------------------------------------------------------
BUILTIN = {
    ("v1", "Namespace"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
}


def builtin_errors(doc: Mapping[str, Any]) -> list[str]:
    """What the API server checks first on built-in kinds (no CRD schema for them here)."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in BUILTIN:
        return [f"{_name(doc)}: unexpected kind {key[0]} {key[1]}"]
    errors = []
    meta = doc.get("metadata") or {}
    name = str(meta.get("name", ""))
    if not _DNS1123.match(name.replace(".", "-")) or len(name) > 253:
        errors.append(f"{_name(doc)}: metadata.name must be a DNS-1123 name")
    if key[1] in ("Namespace", "Service") and (not _DNS1123.match(name) or len(name) > 63):
        errors.append(f"{_name(doc)}: metadata.name must be a DNS-1123 label")
    for k, v in (meta.get("labels") or {}).items():
        if not isinstance(v, str) or len(v) > 63:
            errors.append(f"{_name(doc)}: label {k} must be a string of at most 63 characters")
    if key[1] == "Namespace" and "namespace" in meta:
        errors.append(f"{_name(doc)}: a Namespace is not namespaced")
    if key[1] == "ConfigMap":
        for k, v in (doc.get("data") or {}).items():
            if not isinstance(v, str):
                errors.append(f"{_name(doc)}: data.{k} must be a string")
    if key[1] in ("Deployment", "Job"):
        for c in _containers(doc):
            if not c.get("image"):
                errors.append(f"{_name(doc)}: container {c.get('name')} has no image")
    if key[1] == "Deployment":
        spec = doc.get("spec") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = (((spec.get("template") or {}).get("metadata") or {}).get("labels")) or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            errors.append(f"{_name(doc)}: selector does not match the template labels")
    return errors
