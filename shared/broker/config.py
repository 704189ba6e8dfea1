"""Brokers, Triggers and subscriber addresses read from Knative YAML manifests.

The local broker is configured by the same manifests that `knative/` renders for the
cluster: every `eventing.knative.dev/v1` Broker and Trigger found in the manifests directory
(recursively, multi-document YAML or JSON) is loaded. The directory and the services file are
re-read when a file changes. A Trigger that Knative's webhook would refuse (two dialects in a
`filters` entry, `backoffPolicy: expo`, unparsable durations...) is skipped with an error in
the log, as it could never have been applied to a cluster.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from shared.broker.durations import parse_iso8601_duration
from shared.broker.filters import validate_attributes_filter, validate_filters

log = logging.getLogger(__name__)

EVENTING_V1 = "eventing.knative.dev/v1"
EVENTING_V1ALPHA1 = "eventing.knative.dev/v1alpha1"
TENANT_ID_ANNOTATION = "idmesh.io/tenant-id"
DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Delivery:
    """A resolved DeliverySpec."""

    retry: int = 0
    backoff_policy: str = "exponential"
    backoff_delay_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S
    dead_letter_sink: dict[str, Any] | None = None
    retry_after_max_s: float | None = None  # honour Retry-After (429/503) up to this

    def backoff(self, retry_number: int) -> float:
        """Delay before retry `retry_number` (1-based), as Knative computes it:
        linear = delay * n, exponential = delay * 2^n."""
        if self.backoff_policy == "linear":
            return self.backoff_delay_s * retry_number
        return self.backoff_delay_s * (2**retry_number)


_DELIVERY_FIELDS = frozenset(
    {
        "deadLetterSink",
        "retry",
        "backoffPolicy",
        "backoffDelay",
        "timeout",
        "retryAfterMax",
        "format",
    }
)


def validate_delivery(spec: Any, path: str = "spec.delivery") -> list[str]:
    """Errors Knative's webhook reports for a DeliverySpec (schemas miss most of them)."""
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        return [f"{path}: must be an object"]
    errors: list[str] = []
    unknown = set(spec) - _DELIVERY_FIELDS
    if unknown:
        # Knative's webhook decodes with unknown fields disallowed.
        errors.append(f"{path}: unknown field(s) {sorted(unknown)}")
    retry = spec.get("retry")
    if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
        errors.append(f"{path}.retry: must be an integer >= 0")
    policy = spec.get("backoffPolicy")
    if policy is not None and policy not in ("linear", "exponential"):
        errors.append(f"{path}.backoffPolicy: invalid value {policy!r} (linear|exponential)")
    for key in ("backoffDelay", "timeout", "retryAfterMax"):
        if spec.get(key) is None:
            continue
        try:
            seconds = parse_iso8601_duration(spec[key])
        except ValueError:
            errors.append(f"{path}.{key}: invalid ISO-8601 duration {spec[key]!r}")
            continue
        if key == "timeout" and seconds <= 0:
            errors.append(f"{path}.timeout: must be > 0")
    dls = spec.get("deadLetterSink")
    if dls is not None:
        errors.extend(validate_destination(dls, f"{path}.deadLetterSink"))
    return errors


def validate_destination(dest: Any, path: str) -> list[str]:
    if not isinstance(dest, Mapping):
        return [f"{path}: must be an object"]
    ref, uri = dest.get("ref"), dest.get("uri")
    if not ref and not uri:
        return [f"{path}: expected at least one of ref, uri"]
    if ref and not all(ref.get(k) for k in ("kind", "name", "apiVersion")):
        return [f"{path}.ref: kind, name and apiVersion are required"]
    return []


def delivery_from_spec(spec: Mapping[str, Any] | None) -> Delivery:
    spec = spec or {}
    return Delivery(
        retry=int(spec.get("retry") or 0),
        backoff_policy=spec.get("backoffPolicy") or "exponential",
        backoff_delay_s=parse_iso8601_duration(spec["backoffDelay"])
        if spec.get("backoffDelay")
        else 0.0,
        timeout_s=parse_iso8601_duration(spec["timeout"])
        if spec.get("timeout")
        else DEFAULT_TIMEOUT_S,
        dead_letter_sink=dict(spec["deadLetterSink"]) if spec.get("deadLetterSink") else None,
        retry_after_max_s=parse_iso8601_duration(spec["retryAfterMax"])
        if spec.get("retryAfterMax")
        else None,
    )


@dataclass(frozen=True)
class BrokerDef:
    namespace: str
    name: str
    tenant_id: str | None
    delivery: dict[str, Any] | None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyDef:
    """An EventPolicy (eventing.knative.dev/v1alpha1): who may send to which targets.
    `from[].sub` entries are kept as is; `from[].ref` to a ServiceAccount becomes its subject
    (other refs are resolved by Knative's controller to their OIDC identities; the local
    broker has none of those)."""

    namespace: str
    name: str
    targets: tuple[tuple[str, str], ...]  # (kind, name); empty: every target in namespace
    subjects: tuple[str, ...]

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> PolicyDef:
        meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
        ns = meta.get("namespace") or "default"
        targets = tuple(
            (str(t["ref"].get("kind")), str(t["ref"].get("name")))
            for t in spec.get("to") or []
            if isinstance(t, Mapping) and isinstance(t.get("ref"), Mapping)
        )
        subjects: list[str] = []
        for f in spec.get("from") or []:
            if not isinstance(f, Mapping):
                continue
            if f.get("sub"):
                subjects.append(str(f["sub"]))
            ref = f.get("ref") or {}
            if ref.get("kind") == "ServiceAccount" and ref.get("name"):
                subjects.append(f"system:serviceaccount:{ref.get('namespace') or ns}:{ref['name']}")
        return cls(ns, str(meta.get("name")), targets, tuple(subjects))

    def applies_to(self, namespace: str, kind: str, name: str) -> bool:
        if namespace != self.namespace:
            return False
        return not self.targets or (kind, name) in self.targets


@dataclass(frozen=True)
class TriggerDef:
    namespace: str
    name: str
    broker: str
    spec: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


def validate_trigger(doc: Mapping[str, Any]) -> list[str]:
    spec = doc.get("spec") or {}
    errors: list[str] = []
    if not spec.get("broker"):
        errors.append("spec.broker: required")
    if not spec.get("subscriber"):
        errors.append("spec.subscriber: required")
    else:
        errors.extend(validate_destination(spec["subscriber"], "spec.subscriber"))
    errors.extend(validate_attributes_filter(spec.get("filter")))
    errors.extend(validate_filters(spec.get("filters")))
    errors.extend(validate_delivery(spec.get("delivery")))
    return errors


def iter_documents(directory: Path) -> Iterable[tuple[Path, dict[str, Any]]]:
    for path in sorted(directory.rglob("*")):
        if path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            docs = (
                [json.loads(text)] if path.suffix.lower() == ".json" else yaml.safe_load_all(text)
            )
            for doc in docs:
                if isinstance(doc, dict):
                    if doc.get("kind") == "List":
                        for item in doc.get("items") or []:
                            if isinstance(item, dict):
                                yield path, item
                    else:
                        yield path, doc
        except (OSError, ValueError, yaml.YAMLError) as exc:
            log.error("cannot read manifest %s: %s", path, exc)


class Topology:
    """Brokers and Triggers from a manifests directory, reloaded when files change."""

    def __init__(self, manifests_dir: str | os.PathLike[str] | None) -> None:
        self.dir = Path(manifests_dir) if manifests_dir else None
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self.brokers: dict[tuple[str, str], BrokerDef] = {}
        self.triggers: dict[str, TriggerDef] = {}
        self.policies: list[PolicyDef] = []
        self.errors: list[str] = []
        self.refresh()

    def _current_signature(self) -> tuple:
        if self.dir is None or not self.dir.is_dir():
            return ()
        sig = []
        for path in sorted(self.dir.rglob("*")):
            try:
                st = path.stat()
            except OSError:
                continue
            sig.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(sig)

    def refresh(self) -> bool:
        """Reload when a file changed; returns True when it reloaded."""
        with self._lock:
            sig = self._current_signature()
            if sig == self._signature:
                return False
            brokers: dict[tuple[str, str], BrokerDef] = {}
            triggers: dict[str, TriggerDef] = {}
            policies: list[PolicyDef] = []
            errors: list[str] = []
            for path, doc in iter_documents(self.dir) if self.dir else ():
                if doc.get("apiVersion") == EVENTING_V1ALPHA1 and doc.get("kind") == "EventPolicy":
                    policies.append(PolicyDef.from_doc(doc))
                    continue
                if doc.get("apiVersion") != EVENTING_V1:
                    continue
                meta = doc.get("metadata") or {}
                ns, name = meta.get("namespace") or "default", meta.get("name")
                if not name:
                    errors.append(f"{path}: {doc.get('kind')} without metadata.name")
                    continue
                if doc.get("kind") == "Broker":
                    spec = doc.get("spec") or {}
                    problems = validate_delivery(spec.get("delivery"))
                    if problems:
                        errors.append(f"{path}: Broker {ns}/{name}: {'; '.join(problems)}")
                        continue
                    brokers[(ns, name)] = BrokerDef(
                        namespace=ns,
                        name=name,
                        tenant_id=(meta.get("annotations") or {}).get(TENANT_ID_ANNOTATION),
                        delivery=spec.get("delivery"),
                        labels=dict(meta.get("labels") or {}),
                    )
                elif doc.get("kind") == "Trigger":
                    problems = validate_trigger(doc)
                    if problems:
                        errors.append(f"{path}: Trigger {ns}/{name}: {'; '.join(problems)}")
                        continue
                    spec = dict(doc["spec"])
                    triggers[f"{ns}/{name}"] = TriggerDef(ns, name, spec["broker"], spec)
            for err in errors:
                log.error("manifest refused: %s", err)
            self.brokers, self.triggers, self.errors = brokers, triggers, errors
            self.policies = policies
            self._signature = sig
            log.info("loaded %d broker(s), %d trigger(s)", len(brokers), len(triggers))
            return True

    def broker(self, namespace: str, name: str) -> BrokerDef | None:
        self.refresh()
        return self.brokers.get((namespace, name))

    def senders_of(self, namespace: str, broker: str) -> list[str] | None:
        """The subjects the EventPolicies applying to a broker allow; None when no policy
        applies (Knative then uses its default authorization mode)."""
        self.refresh()
        applying = [p for p in self.policies if p.applies_to(namespace, "Broker", broker)]
        if not applying:
            return None
        return [sub for p in applying for sub in p.subjects]

    def triggers_of(self, namespace: str, broker: str) -> list[TriggerDef]:
        self.refresh()
        return [
            t for t in self.triggers.values() if t.namespace == namespace and t.broker == broker
        ]

    def trigger(self, key: str) -> TriggerDef | None:
        self.refresh()
        return self.triggers.get(key)

    def delivery_for(self, trigger_spec: Mapping[str, Any], namespace: str) -> Delivery:
        """The Trigger's delivery, else its Broker's (a Trigger delivery fully overrides)."""
        if trigger_spec.get("delivery"):
            return delivery_from_spec(trigger_spec["delivery"])
        broker = self.brokers.get((namespace, trigger_spec.get("broker", "")))
        return delivery_from_spec(broker.delivery if broker else None)


class ServiceUrls:
    """Service name -> base URL, from a JSON file (`{"orchestrator": "http://127.0.0.1:8101"}`).

    Keys may be `name` or `namespace/name`; the namespaced key wins. Re-read on change.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path else None
        self._sig: tuple | None = None
        self._map: dict[str, str] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        with self._lock:
            if self.path is None:
                return {}
            try:
                st = self.path.stat()
                sig = (st.st_mtime_ns, st.st_size)
            except OSError:
                return self._map
            if sig != self._sig:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    if not isinstance(data, dict):
                        raise ValueError("services file must be a JSON object")
                    self._map = {str(k): str(v) for k, v in data.items()}
                    self._sig = sig
                except (OSError, ValueError) as exc:
                    log.error("cannot read services file %s: %s", self.path, exc)
            return self._map

    def lookup(self, name: str, namespace: str | None = None) -> str | None:
        services = self._load()
        if namespace and f"{namespace}/{name}" in services:
            return services[f"{namespace}/{name}"]
        return services.get(name)


class Unresolvable(Exception):
    pass


_CLUSTER_HOST = re.compile(r"^(?P<name>[a-z0-9-]+)\.(?P<ns>[a-z0-9-]+)\.svc(?:\.cluster\.local)?$")


def _map_cluster_local(uri: str, services: ServiceUrls) -> str:
    """`http://<service>.<namespace>.svc[.cluster.local]/path` is a cluster address: map it to
    the local process of that service through the services file (path kept)."""
    parts = urlsplit(uri)
    match = _CLUSTER_HOST.match(parts.hostname or "")
    if not match:
        return uri
    base = services.lookup(match["name"], match["ns"])
    if not base:
        raise Unresolvable(f"service {match['ns']}/{match['name']} is not in the services file")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return urljoin(base, path) if path not in ("", "/") else base


def resolve_destination(
    dest: Mapping[str, Any],
    namespace: str,
    services: ServiceUrls,
    broker_url: str | None = None,
) -> str:
    """A duckv1.Destination to an absolute URL: `uri`, or `ref` (plus `uri` relative to it).

    `ref` to a Service (Knative `serving.knative.dev/v1` or core `v1`) resolves through the
    services file; `ref` to a Broker resolves to this broker's ingress (`broker_url` is the
    base, e.g. `http://127.0.0.1:8090`).
    """
    ref, uri = dest.get("ref"), dest.get("uri")
    if not ref:
        if not uri:
            raise Unresolvable("destination has neither ref nor uri")
        return _map_cluster_local(str(uri), services)
    kind, name = ref.get("kind"), ref.get("name")
    ns = ref.get("namespace") or namespace
    if kind == "Service":
        base = services.lookup(name, ns)
    elif kind == "Broker" and broker_url:
        base = f"{broker_url.rstrip('/')}/{ns}/{name}"
    else:
        base = None
    if not base:
        raise Unresolvable(f"cannot resolve {kind} {ns}/{name}")
    if uri:
        return urljoin(base, str(uri))
    return base
