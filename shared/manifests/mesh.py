"""Who calls idmesh's Services on a Knative + Istio cluster: configuration, not constants.

Istio principals are SPIFFE ids `<trust domain>/ns/<namespace>/sa/<service account>`. They
depend on the installed versions and namespaces, so they are derived from a profile the
operator states (`idmesh manifests --knative-serving-version ...`):

- Knative Serving's activator runs as its own `activator` service account since Serving 1.11
  (knative/serving `config/core/deployments/activator.yaml`, serviceAccountName: activator;
  before 1.11 it shared `controller`). It proxies a request whenever a revision's spare
  capacity is under target-burst-capacity (200 by default), i.e. almost always, so a wrong
  activator principal turns every event into `403 RBAC: access denied`;
- the eventing data plane (mt-broker-filter, imc-dispatcher, pingsource-mt-adapter) has mesh
  identities only when `knative-eventing` is injected with the eventing-istio integration
  (beta, off by default); and a principal allow-list never identifies the original sender
  behind the activator (Knative's "Eventing with Istio" docs). The application-level token
  check (`shared.workload`) is the real control; these rules are defence in depth.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

ACTIVATOR_OWN_SA_SINCE = (1, 11)


def _version(text: str) -> tuple[int, int]:
    major, minor, *_ = (text.lstrip("v") + ".0").split(".")
    return int(major), int(minor)


class MeshProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    trust_domain: str = "cluster.local"
    knative_serving_version: str = "1.15"
    serving_namespace: str = "knative-serving"
    eventing_namespace: str = "knative-eventing"
    ingress_gateway: str = "istio-system/istio-ingressgateway-service-account"

    def principal(self, namespace: str, service_account: str) -> str:
        return f"{self.trust_domain}/ns/{namespace}/sa/{service_account}"

    @property
    def activator(self) -> str:
        own = _version(self.knative_serving_version) >= ACTIVATOR_OWN_SA_SINCE
        return self.principal(self.serving_namespace, "activator" if own else "controller")

    @property
    def broker_filter(self) -> str:
        return self.principal(self.eventing_namespace, "mt-broker-filter")

    @property
    def channel_dispatcher(self) -> str:
        return self.principal(self.eventing_namespace, "imc-dispatcher")

    @property
    def pingsource(self) -> str:
        return self.principal(self.eventing_namespace, "pingsource-mt-adapter")

    @property
    def ingress(self) -> str:
        ns, sa = self.ingress_gateway.split("/", 1)
        return self.principal(ns, sa)
