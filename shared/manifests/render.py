"""Render a tenant's and the platform's Knative + Istio manifests from the templates.

Templates are plain YAML files in `knative/` and `istio/` (repository root, or the directory
in `IDMESH_MANIFEST_TEMPLATES`) with `${name}` placeholders. Substitution walks the parsed
YAML tree, never the text, so a value cannot inject YAML: a string that is exactly one
placeholder takes the value's type (a map of attributes, a list of rules, an int); a
placeholder inside a longer string is replaced textually; a key whose value renders to None
is dropped.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.catalog import (
    FUNCTIONS,
    PLATFORM_BROKER,
    PLATFORM_NAMESPACE,
    PLATFORM_ROUTES,
    ROUTES,
    STANDALONE_CHECKS,
    FunctionSpec,
)
from shared.catalog import service_url as catalog_service_url
from shared.config import Settings
from shared.manifests import install
from shared.manifests.capacity import fit_direct, pgbouncer_budget
from shared.manifests.mesh import MeshProfile
from shared.manifests.secrets import database_key
from shared.manifests.values import ClusterValues
from shared.workload.identity import SA_PREFIX, service_audience, subject

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
_SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def templates_root() -> Path:
    folder = Settings.from_env().manifest_templates
    return Path(folder) if folder else Path(__file__).resolve().parents[2]


@cache
def _load(relpath: str) -> Any:
    return yaml.safe_load((templates_root() / relpath).read_text(encoding="utf-8"))


def fill(node: Any, values: Mapping[str, Any]) -> Any:
    """Substitute `${name}` placeholders in a parsed YAML tree (KeyError if one is missing)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            filled = fill(v, values)
            if filled is not None:
                out[fill(k, values)] = filled
        return out
    if isinstance(node, list):
        return [fill(v, values) for v in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole:
            return copy.deepcopy(values[whole.group(1)])
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), node)
    return node


def render_template(relpath: str, **values: Any) -> dict[str, Any]:
    return fill(_load(relpath), values)


def tenant_namespace(slug: str) -> str:
    return f"tenant-{slug}"


def service_url(function: str, platform_namespace: str = PLATFORM_NAMESPACE) -> str:
    return catalog_service_url(function, platform_namespace)


def check_slug(slug: str) -> None:
    if not _SLUG.match(slug) or len(tenant_namespace(slug)) > 63:
        raise ValueError(f"tenant slug must be a DNS label (a-z, 0-9, '-'), got {slug!r}")


def _check_tenant(slug: str, tenant_id: str) -> None:
    check_slug(slug)
    try:
        if str(uuid.UUID(tenant_id)) != tenant_id.lower():
            raise ValueError
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"tenant id must be a UUID, got {tenant_id!r}") from exc


def render_tenant(
    slug: str,
    tenant_id: str,
    platform_namespace: str = PLATFORM_NAMESPACE,
    dedicated: Iterable[str] = (),
    image_registry: str = "ghcr.io/idmesh",
    tag: str = "latest",
    values: ClusterValues | None = None,
) -> list[dict[str, Any]]:
    """A tenant's set: Namespace, Broker (with the EventPolicy saying who may post to it),
    Triggers (filtering on the tenant's id as well as type/checktype, each subscriber with its
    OIDC audience), Istio STRICT mTLS + deny-by-default, and for each function in `dedicated`
    a tenant-dedicated Service that this tenant's own Triggers point at. `values` chooses the
    Broker's backing (a durable channel or the Kafka broker class) and the image."""
    values = values_or_defaults(values, image_registry, tag, platform_namespace)
    platform_namespace = values.platform_namespace
    broker_class, broker_config = install.broker_backing(values)
    _check_tenant(slug, tenant_id)
    tenant_id = tenant_id.lower()
    ns = tenant_namespace(slug)
    dedicated = tuple(dedicated)
    for function in dedicated:
        if function not in FUNCTIONS:
            raise ValueError(f"unknown function {function!r}")
        if len(f"{FUNCTIONS[function].service}-{slug}") > 63:
            raise ValueError(
                f"dedicated service name {FUNCTIONS[function].service}-{slug} exceeds 63 chars"
            )
    dls = service_url("dead_letters", platform_namespace)
    docs: list[dict[str, Any]] = [
        render_template("knative/namespace.yaml", namespace=ns, slug=slug),
        render_template(
            "knative/broker.yaml",
            namespace=ns,
            slug=slug,
            tenant_id=tenant_id,
            dead_letter_uri=dls,
            broker_class=broker_class,
            broker_config=broker_config,
        ),
        render_template(
            "knative/event-policy-broker.yaml",
            namespace=ns,
            slug=slug,
            relay_subject=subject(platform_namespace, FUNCTIONS["relay"].service),
            trigger_subjects=f"{SA_PREFIX}{ns}:*",
        ),
    ]
    for route in ROUTES:
        spec = FUNCTIONS[route.function]
        # A dedicated tenant's Triggers point at its own Services: routing stays in Knative
        # (a VirtualService on ce-tenantid cannot: net-istio owns the host's VirtualService).
        service = f"{spec.service}-{slug}" if route.function in dedicated else spec.service
        docs.append(
            render_template(
                "knative/trigger.yaml",
                name=route.name,
                namespace=ns,
                slug=slug,
                attributes={**route.attributes, "tenantid": tenant_id},
                subscriber_uri=f"http://{service}.{platform_namespace}.svc.cluster.local",
                subscriber_audience=service_audience(platform_namespace, service),
                timeout=spec.trigger_timeout,
                dead_letter_uri=dls,
                dead_letter_audience=service_audience(
                    platform_namespace, FUNCTIONS["dead_letters"].service
                ),
            )
        )
    docs.append(render_template("istio/peer-authentication.yaml", name="default", namespace=ns))
    docs.append(render_template("istio/authorization-deny-all.yaml", namespace=ns))
    # Without PgBouncer a dedicated Service's pods open direct connections like the
    # platform's: it gets the same fitted max scale as the function's shared Service.
    fitted = (
        {f.name: f for f in fit_direct(FUNCTIONS.values(), values.database)}
        if dedicated and not values.database.pgbouncer
        else FUNCTIONS
    )
    for function in dedicated:
        spec = fitted[function]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": f"{spec.service}-{slug}", "namespace": platform_namespace},
            }
        )
        docs.append(_service(spec, values, name=f"{spec.service}-{slug}", tenant_id=tenant_id))
    return docs


def values_or_defaults(
    values: ClusterValues | None, image_registry: str, tag: str, platform_namespace: str
) -> ClusterValues:
    """The cluster values; without a values file, the legacy arguments fill them."""
    if values is not None:
        return values
    base = ClusterValues()
    return base.model_copy(
        update={
            "platform_namespace": platform_namespace,
            "images": base.images.model_copy(update={"registry": image_registry, "tag": tag}),
        }
    )


def _service(
    spec: FunctionSpec,
    values: ClusterValues,
    name: str | None = None,
    tenant_id: str | None = None,
) -> dict[str, Any]:
    name = name or spec.service
    platform_namespace = values.platform_namespace
    doc = render_template(
        "knative/service.yaml",
        name=name,
        component=spec.service,
        platform_namespace=platform_namespace,
        visibility=None if spec.public else "cluster-local",
        target=str(spec.container_concurrency),
        min_scale=str(spec.min_scale),
        max_scale=str(spec.max_scale),
        service_account=name,
        container_concurrency=spec.container_concurrency,
        timeout_seconds=spec.timeout_seconds,
        image=values.images.reference(),
        function_target=spec.name,
        function_source=f"functions/{spec.name}/main.py",
        k_sink=install.broker_ingress(values),
        broker_url=install.broker_ingress(values),
        cpu_request=spec.cpu[0],
        cpu_limit=spec.cpu[1],
        memory_request=spec.memory[0],
        memory_limit=spec.memory[1],
        db_pool=str(spec.db_pool),
        # The function's own role (shared/db/grants.py); the relay's key is a session URL
        # (it LISTENs), never the transaction pool's.
        database_key=database_key(spec.name),
    )
    _workload_identity(doc, spec, platform_namespace)
    if spec.name == "hosted":
        doc["spec"]["template"]["spec"]["containers"][0]["env"].append(
            {
                "name": "IDMESH_API_INTERNAL_URL",
                "value": service_url("api", platform_namespace),
            }
        )
    if name != spec.service:
        # A tenant-dedicated Service has its own identity (service account, principal,
        # OIDC subject); it keeps the function's labels.
        doc["metadata"]["labels"]["idmesh.io/dedicated-tenant-id"] = tenant_id
    return doc


# Every pod's only API credential: a short-lived projected token for the API server, used to
# read the service-account issuer's discovery/JWKS (and by the relay for TokenRequest).
KUBE_API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
KUBE_API = "https://kubernetes.default.svc"
TOKEN_DIR = "/var/run/secrets/tokens/kube-api"


def _workload_identity(doc: dict[str, Any], spec: FunctionSpec, platform_namespace: str) -> None:
    """No automounted API token (`automountServiceAccountToken: false`); a projected token
    with the API server's audience instead, and the OIDC settings the functions verify
    senders with (the cluster's service-account issuer)."""
    pod = doc["spec"]["template"]["spec"]
    pod["automountServiceAccountToken"] = False
    pod.setdefault("volumes", []).append(
        {
            "name": "kube-api-token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": KUBE_API_AUDIENCE,
                            "expirationSeconds": 3600,
                            "path": "token",
                        }
                    },
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                ]
            },
        }
    )
    container = pod["containers"][0]
    container.setdefault("volumeMounts", []).append(
        {"name": "kube-api-token", "mountPath": TOKEN_DIR, "readOnly": True}
    )
    env = {
        "IDMESH_NAMESPACE": platform_namespace,
        "IDMESH_OIDC_ISSUER_URL": KUBE_API,
        "IDMESH_OIDC_CA_FILE": f"{TOKEN_DIR}/ca.crt",
        "IDMESH_OIDC_DISCOVERY_TOKEN_FILE": f"{TOKEN_DIR}/token",
    }
    # The relay publishes to every tenant broker, the API calls the check functions
    # (standalone checks): each needs a token per audience from the TokenRequest API.
    if spec.name in ("relay", "api"):
        env.update(
            {
                "IDMESH_TOKEN_API_URL": KUBE_API,
                "IDMESH_SERVICE_ACCOUNT": pod["serviceAccountName"],
                "IDMESH_SERVICE_ACCOUNT_TOKEN_FILE": f"{TOKEN_DIR}/token",
            }
        )
    container["env"].extend({"name": k, "value": v} for k, v in env.items())


def _allow_rules(
    spec: FunctionSpec, platform_namespace: str, mesh: MeshProfile
) -> list[dict[str, Any]]:
    system_paths = {
        "from": [{"source": {"namespaces": [mesh.serving_namespace]}}],
        "to": [
            {
                "operation": {
                    "methods": ["GET"],
                    "paths": ["/healthz", "/readyz", "/metrics", "/internal/metrics"],
                }
            }
        ],
    }
    if spec.name == "api":
        # the hosted pages call the API as the end user, from inside the mesh
        hosted = mesh.principal(platform_namespace, FUNCTIONS["hosted"].service)
        callers = [mesh.ingress, mesh.activator, hosted]
        ops = {"methods": ["GET", "POST", "PUT", "PATCH", "DELETE"], "paths": ["/v1/*"]}
    elif spec.name == "hosted":
        callers = [mesh.ingress, mesh.activator]
        ops = {"methods": ["GET", "POST"], "paths": ["/v/*", "/h/*", "/assets/*"]}
    elif spec.name == "console":  # people's browsers, through the ingress gateway
        callers = [mesh.ingress, mesh.activator]
        ops = {"methods": ["GET", "POST"], "paths": ["/*"]}
    elif spec.name == "relay":
        callers = [
            mesh.pingsource,
            mesh.activator,
            mesh.principal(platform_namespace, FUNCTIONS["api"].service),
        ]
        ops = {"methods": ["POST"], "paths": ["/"]}
    elif spec.name == "dead_letters":
        callers = [mesh.broker_filter, mesh.channel_dispatcher, mesh.activator]
        ops = {"methods": ["POST"], "paths": ["/"]}
    else:  # orchestrator, webhooks and the checks: only the broker delivers to them
        callers = [mesh.broker_filter, mesh.activator]
        ops = {"methods": ["POST"], "paths": ["/"]}
    rules = [
        {"from": [{"source": {"principals": callers}}], "to": [{"operation": ops}]},
        system_paths,
    ]
    if spec.name in STANDALONE_CHECKS:
        # The API forwards standalone checks to the check's function (an HTTP function call).
        api = mesh.principal(platform_namespace, FUNCTIONS["api"].service)
        rules.append(
            {
                "from": [{"source": {"principals": [api, mesh.activator]}}],
                "to": [{"operation": {"methods": ["POST"], "paths": ["/check"]}}],
            }
        )
    return rules


def render_platform(
    image_registry: str = "ghcr.io/idmesh",
    tag: str = "latest",
    platform_namespace: str = PLATFORM_NAMESPACE,
    values: ClusterValues | None = None,
    mesh: MeshProfile | None = None,
) -> list[dict[str, Any]]:
    """The shared platform: namespace, the settings ConfigMap, the migration Job, one
    Knative Service (and ServiceAccount) per function, PgBouncer (when enabled; else max
    scales cut to the server's connections), the Broker backing's ConfigMap, the relay
    PingSource, and the Istio baseline for idmesh's own namespace (STRICT mTLS,
    deny-by-default + allow-lists with the principals of `mesh`, by default from the values'
    Knative version and trust domain; ISTIO_MUTUAL DestinationRule). Never a mesh-wide
    policy in the Istio root namespace: that is the cluster operator's (docs/security.md
    lists the prerequisites)."""
    values = values_or_defaults(values, image_registry, tag, platform_namespace)
    platform_namespace = values.platform_namespace
    mesh = mesh or MeshProfile(
        knative_serving_version=values.knative_version, trust_domain=values.trust_domain
    )
    if values.database.pgbouncer:
        specs = list(FUNCTIONS.values())
        extras = install.pgbouncer(values, pgbouncer_budget(specs, values.database))
    else:
        specs = fit_direct(FUNCTIONS.values(), values.database)
        extras = []
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": platform_namespace,
                "labels": {"istio-injection": "enabled", "app.kubernetes.io/part-of": "idmesh"},
            },
        },
        install.config_map(values),
        *install.migration_job(values),
        *extras,
        *install.eventing_config(values),
        *install.reference_data_jobs(values),
    ]
    for spec in specs:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": spec.service, "namespace": platform_namespace},
            }
        )
        docs.append(_service(spec, values))
    docs += install.provisioner_rbac(values)
    docs += install.token_sender_rbac(values)
    docs += render_platform_eventing(values)
    docs.append(render_template("knative/pingsource.yaml", platform_namespace=platform_namespace))
    docs.append(
        render_template(
            "istio/peer-authentication.yaml", name="default", namespace=platform_namespace
        )
    )
    docs.append(render_template("istio/authorization-deny-all.yaml", namespace=platform_namespace))
    for spec in FUNCTIONS.values():
        docs.append(
            render_template(
                "istio/authorization-allow.yaml",
                name=spec.service,
                platform_namespace=platform_namespace,
                rules=_allow_rules(spec, platform_namespace, mesh),
            )
        )
    docs.append(
        render_template("istio/destination-rule.yaml", platform_namespace=platform_namespace)
    )
    return docs


def render_platform_eventing(values: ClusterValues | None = None) -> list[dict[str, Any]]:
    """The platform Broker (`<platform namespace>/platform`) and its Triggers: platform events
    such as `tenant.registered` (the provisioner). Also written for the local broker."""
    values = values or ClusterValues()
    ns = values.platform_namespace
    broker_class, broker_config = install.broker_backing(values)
    dls = service_url("dead_letters", ns)
    broker = render_template(
        "knative/broker.yaml",
        namespace=ns,
        slug="platform",
        tenant_id=None,
        dead_letter_uri=dls,
        broker_class=broker_class,
        broker_config=broker_config,
    )
    broker["metadata"]["name"] = PLATFORM_BROKER
    broker["metadata"]["labels"] = {"app.kubernetes.io/part-of": "idmesh"}
    # Only the relay posts platform events (docs/security.md).
    policy = render_template(
        "knative/event-policy-broker.yaml",
        namespace=ns,
        slug="platform",
        relay_subject=subject(ns, FUNCTIONS["relay"].service),
        trigger_subjects=subject(ns, FUNCTIONS["relay"].service),
    )
    policy["metadata"]["name"] = f"{PLATFORM_BROKER}-broker-senders"
    policy["metadata"]["labels"] = {"app.kubernetes.io/part-of": "idmesh"}
    policy["spec"]["to"][0]["ref"]["name"] = PLATFORM_BROKER
    policy["spec"]["from"] = policy["spec"]["from"][:1]
    docs = [broker, policy]
    for route in PLATFORM_ROUTES:
        trigger = render_template(
            "knative/trigger.yaml",
            name=route.name,
            namespace=ns,
            slug="platform",
            attributes=dict(route.attributes),
            subscriber_uri=service_url(route.function, ns),
            subscriber_audience=service_audience(ns, FUNCTIONS[route.function].service),
            timeout=FUNCTIONS[route.function].trigger_timeout,
            dead_letter_uri=dls,
            dead_letter_audience=service_audience(ns, FUNCTIONS["dead_letters"].service),
        )
        trigger["metadata"]["labels"] = {"app.kubernetes.io/part-of": "idmesh"}
        trigger["spec"]["broker"] = PLATFORM_BROKER
        # The Broker may take a while to become Ready: redeliver for about four minutes.
        trigger["spec"]["delivery"]["retry"] = 9
        docs.append(trigger)
    return docs


def to_yaml(docs: Iterable[Mapping[str, Any]]) -> str:
    return yaml.safe_dump_all(list(docs), sort_keys=False, explicit_start=True)


def write(docs: Iterable[Mapping[str, Any]], out_dir: str | Path, filename: str) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(to_yaml(docs), encoding="utf-8")
    os.replace(tmp, path)  # the broker re-reads the directory: never show it half a file
    return path
