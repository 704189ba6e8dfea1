"""The functions idmesh deploys and how each is routed, sized and timed."""

from __future__ import annotations

from dataclasses import dataclass

from events.types import (
    AML_HIT,
    AML_HIT_V2,
    CHECK_COMPLETED,
    CHECK_REQUESTED,
    SESSION_DECIDED,
    SESSION_INPUT,
    SESSION_SUBMITTED,
    SESSION_UPDATED,
    TENANT_REGISTERED,
)

PLATFORM_NAMESPACE = "idmesh"
BROKER_INGRESS = "http://broker-ingress.knative-eventing.svc.cluster.local"
# The mesh principals of Knative's components are configuration: shared/manifests/mesh.py.

CHECKS = (
    "id_document",
    "passive_liveness",
    "active_liveness",
    "face_match",
    "age_estimation",
    "aml",
    "proof_of_address",
    "email",
    "phone",
    "nfc",
    "blocklist",
    "risk",
)
# Checks that run image models: cold start (model load + warm-up) plus inference is seconds.
IMAGE_CHECKS = frozenset(
    {
        "id_document",
        "passive_liveness",
        "active_liveness",
        "face_match",
        "age_estimation",
        "proof_of_address",
    }
)


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # python name: functions/<name>/main.py, FUNCTION_TARGET
    trigger_timeout: str  # Trigger delivery.timeout (ISO-8601)
    timeout_seconds: int  # Knative revision timeoutSeconds, above the Trigger timeout
    container_concurrency: int
    min_scale: int
    max_scale: int
    cpu: tuple[str, str]  # request, limit
    memory: tuple[str, str]
    public: bool = False
    db_pool: int = 4  # psycopg pool per pod (shared.manifests.capacity)

    @property
    def service(self) -> str:
        """Kubernetes name (DNS-1035: hyphens, not underscores)."""
        return service_name(self.name)


def service_name(function: str) -> str:
    return function.replace("_", "-")


def service_url(function: str, namespace: str) -> str:
    """A function's cluster-local address (its Knative Service in `namespace`)."""
    return f"http://{service_name(function)}.{namespace}.svc.cluster.local"


# Checks a tenant can run directly (`POST /v1/checks/{check}`): the API forwards each to the
# check's own function, which answers the HTTP function call with the one result shape.
STANDALONE_CHECKS: tuple[str, ...] = (
    "aml",
    "face_match",
    "passive_liveness",
    "age_estimation",
    "id_document",
    "proof_of_address",
)


# Per-attempt timeouts (Trigger delivery.timeout) cover a scale from zero: scheduling, image
# pull of a cached image and the Istio sidecar (budget COLD_START_OVERHEAD_S), the function's
# measured ready time (README Benchmarks: proof_of_address 1.8 s, id_document/nfc 0.8 s,
# others < 0.8 s; model warm-up included) and its measured p95 inference (documents front +
# back 0.71 s, proof of address photo 0.76 s, active liveness 30 frames 1.12 s).
COLD_START_OVERHEAD_S = 20
# Measured peak RSS (README Benchmarks): documents 496 MB, faces 446 MB, AML 1 M names
# 453 MB loaded, NFC 97 MB. One request at a time for image models (one inference saturates
# a core), so memory limits are peak RSS plus headroom for one request's decoded images.


def _check(name: str) -> FunctionSpec:
    if name in IMAGE_CHECKS:
        return FunctionSpec(
            name, "PT60S", 90, 1, 0, 10, ("1000m", "2000m"), ("768Mi", "1536Mi"), db_pool=2
        )
    if name == "aml":  # the in-memory index of every list entry (1 M names: 453 MB)
        return FunctionSpec(name, "PT30S", 60, 10, 0, 10, ("250m", "1000m"), ("768Mi", "1Gi"))
    if name == "risk":  # one short transaction of indexed look-ups per event (bench/risk:
        # p95 tens of ms): one connection per pod keeps the direct budget under 100.
        return FunctionSpec(
            name, "PT30S", 60, 10, 0, 10, ("100m", "500m"), ("128Mi", "256Mi"), db_pool=1
        )
    return FunctionSpec(name, "PT30S", 60, 10, 0, 20, ("100m", "500m"), ("128Mi", "256Mi"))


FUNCTIONS: dict[str, FunctionSpec] = {
    "api": FunctionSpec(
        "api", "PT30S", 60, 50, 1, 10, ("250m", "1000m"), ("256Mi", "512Mi"), public=True
    ),
    # The hosted verification pages end users open (public, like the API).
    "hosted": FunctionSpec(
        "hosted", "PT30S", 60, 50, 1, 10, ("100m", "1000m"), ("256Mi", "512Mi"), public=True
    ),
    # The review console a tenant's people sign in to (public; scale to zero: people wait
    # one cold start, nothing else depends on it). One connection per pod (short
    # transactions, a few people at a time): the direct budget of 100 has no room for more.
    "console": FunctionSpec(
        "console", "PT30S", 60, 10, 0, 2, ("100m", "1000m"), ("256Mi", "512Mi"), True, 1
    ),
    # min-scale 1: a cold orchestrator would stall every session's next step.
    "orchestrator": FunctionSpec(
        "orchestrator", "PT30S", 60, 20, 1, 20, ("100m", "500m"), ("128Mi", "256Mi")
    ),
    "webhooks": FunctionSpec(
        "webhooks", "PT30S", 60, 20, 0, 20, ("100m", "500m"), ("128Mi", "256Mi")
    ),
    # The relay keeps one instance: its loop wakes on Postgres NOTIFY (the PingSource is a
    # safety net that also wakes it from zero).
    "relay": FunctionSpec(
        "relay", "PT30S", 60, 1, 1, 1, ("100m", "500m"), ("128Mi", "256Mi"), db_pool=3
    ),
    "dead_letters": FunctionSpec(
        "dead_letters", "PT30S", 60, 20, 0, 5, ("50m", "250m"), ("64Mi", "128Mi"), db_pool=2
    ),
    # Applies a new tenant's namespace, Broker and Triggers (shared/provisioning).
    "provisioner": FunctionSpec(
        "provisioner", "PT30S", 60, 5, 0, 2, ("50m", "250m"), ("128Mi", "256Mi"), db_pool=2
    ),
    **{c: _check(c) for c in CHECKS},
}


@dataclass(frozen=True)
class TriggerRoute:
    """One Trigger: events matching `attributes` go to `function`."""

    name: str
    function: str
    attributes: dict[str, str]


ROUTES: tuple[TriggerRoute, ...] = (
    *(
        TriggerRoute(f"check-{service_name(c)}", c, {"type": CHECK_REQUESTED, "checktype": c})
        for c in CHECKS
    ),
    TriggerRoute("orchestrator-session-submitted", "orchestrator", {"type": SESSION_SUBMITTED}),
    TriggerRoute("orchestrator-session-input", "orchestrator", {"type": SESSION_INPUT}),
    TriggerRoute("orchestrator-check-completed", "orchestrator", {"type": CHECK_COMPLETED}),
    TriggerRoute("webhooks-session-decided", "webhooks", {"type": SESSION_DECIDED}),
    TriggerRoute("webhooks-session-updated", "webhooks", {"type": SESSION_UPDATED}),
    TriggerRoute("webhooks-aml-hit", "webhooks", {"type": AML_HIT}),
    TriggerRoute("webhooks-aml-hit-v2", "webhooks", {"type": AML_HIT_V2}),
)


# The platform Broker (namespace `idmesh`, name `platform`) carries platform events; the
# relay sends them there (shared/eventing/relay.py) because the tenant's Broker is not there yet.
PLATFORM_BROKER = "platform"
PLATFORM_ROUTES: tuple[TriggerRoute, ...] = (
    TriggerRoute("provisioner-tenant-registered", "provisioner", {"type": TENANT_REGISTERED}),
)
