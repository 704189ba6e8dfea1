"""Names of workload identities and audiences, in the shapes Knative Eventing uses.

- a service account's OIDC subject: `system:serviceaccount:<namespace>:<name>`;
- an addressable's audience: `<group>/<kind>/<namespace>/<name>`, lower case
  (knative/eventing `pkg/auth/audience.go`, GetAudience);
- the service account Knative creates for a Trigger, whose identity the broker filter uses
  when it delivers to the subscriber: `<name>-oidc-<group>-<kind>`
  (knative/eventing `pkg/auth/serviceaccount.go`, GetOIDCServiceAccountNameForResource,
  through knative.dev/pkg `kmeta.ChildName`, which keeps names within 63 characters).
"""

from __future__ import annotations

SA_PREFIX = "system:serviceaccount:"
EVENTING_GROUP = "eventing.knative.dev"
SERVING_GROUP = "serving.knative.dev"
MAX_NAME = 63


def subject(namespace: str, service_account: str) -> str:
    return f"{SA_PREFIX}{namespace}:{service_account}"


def audience(group: str, kind: str, namespace: str, name: str) -> str:
    return f"{group}/{kind}/{namespace}/{name}".lower()


def broker_audience(namespace: str, name: str = "default") -> str:
    return audience(EVENTING_GROUP, "Broker", namespace, name)


def service_audience(namespace: str, name: str) -> str:
    """The audience idmesh gives a Knative Service subscriber (set on the Trigger's
    `spec.subscriber.audience`, since Serving does not announce one)."""
    return audience(SERVING_GROUP, "Service", namespace, name)


def oidc_service_account(name: str, group: str, kind: str) -> str:
    """kmeta.ChildName(name, "-oidc-<group>-<kind>") lower-cased."""
    suffix = f"-oidc-{group}-{kind}".lower()
    parent = name.lower()
    if len(parent) + len(suffix) <= MAX_NAME:
        return parent + suffix
    head = MAX_NAME - len(suffix)
    if head <= 0:  # not reached for Knative's kinds; kept so the function is total
        raise ValueError(f"suffix {suffix!r} is longer than a name may be")
    return parent[:head].rstrip("-") + suffix


def trigger_subject(namespace: str, trigger: str) -> str:
    """The identity the broker filter presents when delivering for `trigger`."""
    return subject(namespace, oidc_service_account(trigger, EVENTING_GROUP, "Trigger"))


def pingsource_subject(namespace: str, name: str) -> str:
    """The identity a PingSource sends with (its OIDC service account)."""
    return subject(namespace, oidc_service_account(name, "sources.knative.dev", "PingSource"))


def allows(patterns: list[str] | tuple[str, ...], sub: str) -> bool:
    """EventPolicy `from[].sub` matching: exact, or a glob `*` at the end (a prefix)."""
    for p in patterns:
        if p.endswith("*") and sub.startswith(p[:-1]):
            return True
        if p == sub:
            return True
    return False
