"""Where a tenant's rendered documents go.

- `KubernetesApplier`: server-side apply through lightkube (in-cluster ServiceAccount config),
  field manager `idmesh-provisioner`, `force=true` (the provisioner owns what it renders; a
  hand edit of one of its fields is taken back), then the Broker's `Ready` condition.
- `LocalApplier`: the local broker's manifests directory (it re-reads it), ready at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

FIELD_MANAGER = "idmesh-provisioner"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

# (apiVersion, kind) → plural of every namespaced kind a tenant set holds.
NAMESPACED_KINDS = {
    ("eventing.knative.dev/v1", "Broker"): "brokers",
    ("eventing.knative.dev/v1", "Trigger"): "triggers",
    ("eventing.knative.dev/v1alpha1", "EventPolicy"): "eventpolicies",
    ("serving.knative.dev/v1", "Service"): "services",
    ("security.istio.io/v1", "PeerAuthentication"): "peerauthentications",
    ("security.istio.io/v1", "AuthorizationPolicy"): "authorizationpolicies",
    ("networking.istio.io/v1", "VirtualService"): "virtualservices",
}


class ProvisioningError(Exception):
    """The cluster refused or could not take a document (retried by the broker)."""


class Applier(Protocol):
    def apply(self, docs: Iterable[Mapping[str, Any]]) -> None: ...

    def broker_ready(self, namespace: str, name: str = "default") -> bool: ...


class LocalApplier:
    def __init__(self, manifests_dir: str | Path) -> None:
        self.manifests_dir = Path(manifests_dir)

    def apply(self, docs: Iterable[Mapping[str, Any]]) -> None:
        from shared.manifests.render import to_yaml, write

        docs = list(docs)
        ns = next(d["metadata"]["name"] for d in docs if d["kind"] == "Namespace")
        path = self.manifests_dir / f"{ns}.yaml"
        # Unchanged: leave the file alone, or the broker would re-read its whole directory.
        if path.is_file() and path.read_text(encoding="utf-8") == to_yaml(docs):
            return
        write(docs, self.manifests_dir, f"{ns}.yaml")

    def broker_ready(self, namespace: str, name: str = "default") -> bool:
        return (self.manifests_dir / f"{namespace}.yaml").is_file()


class KubernetesApplier:
    def __init__(self, service_account: str | Path = SERVICE_ACCOUNT_DIR) -> None:
        """In-cluster config: the pod's ServiceAccount token and CA, and the API server
        from KUBERNETES_SERVICE_HOST/PORT."""
        from lightkube import Client, KubeConfig

        self.client = Client(
            config=KubeConfig.from_service_account(service_account),
            field_manager=FIELD_MANAGER,
        )

    @staticmethod
    def _resource_class(api_version: str, kind: str):
        from lightkube.generic_resource import create_namespaced_resource
        from lightkube.resources.core_v1 import Namespace

        if (api_version, kind) == ("v1", "Namespace"):
            return Namespace
        plural = NAMESPACED_KINDS.get((api_version, kind))
        if plural is None:
            raise ProvisioningError(f"the provisioner may not apply {api_version} {kind}")
        group, version = api_version.split("/")
        return create_namespaced_resource(group, version, kind, plural)

    def _object(self, doc: Mapping[str, Any]):
        cls = self._resource_class(str(doc["apiVersion"]), str(doc["kind"]))
        return cls.from_dict(dict(doc)) if hasattr(cls, "from_dict") else cls(**doc)

    def apply(self, docs: Iterable[Mapping[str, Any]]) -> None:
        from lightkube import ApiError

        for doc in docs:  # the Namespace comes first in a tenant set
            try:
                self.client.apply(self._object(doc), field_manager=FIELD_MANAGER, force=True)
            except ApiError as exc:
                meta = doc.get("metadata") or {}
                raise ProvisioningError(
                    f"{doc.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}: "
                    f"{exc.status.code} {exc.status.reason}"
                ) from exc
            except Exception as exc:  # transport errors: the broker redelivers
                raise ProvisioningError(f"{type(exc).__name__}: {exc}") from exc

    def broker_ready(self, namespace: str, name: str = "default") -> bool:
        from lightkube import ApiError

        broker = self._resource_class("eventing.knative.dev/v1", "Broker")
        try:
            obj = self.client.get(broker, name, namespace=namespace)
        except ApiError as exc:
            if exc.status.code == 404:
                return False
            raise ProvisioningError(f"Broker {namespace}/{name}: {exc.status.code}") from exc
        conditions = ((obj.status or {}) if isinstance(obj.status, dict) else {}).get(
            "conditions"
        ) or []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
