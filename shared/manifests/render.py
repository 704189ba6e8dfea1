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

from shared.manifests import install
from shared.manifests.capacity import SESSION_FUNCTIONS, fit_direct, pgbouncer_budget
from shared.manifests.catalog import (
    ACTIVATOR_PRINCIPAL,
    BROKER_FILTER_PRINCIPAL,
    BROKER_INGRESS,
    CHANNEL_DISPATCHER_PRINCIPAL,
    FUNCTIONS,
    INGRESS_GATEWAY_PRINCIPAL,
    PINGSOURCE_PRINCIPAL,
    PLATFORM_NAMESPACE,
    ROUTES,
    FunctionSpec,
    service_name,
)
from shared.manifests.values import ClusterValues

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
_SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ISTIO_ROOT_NAMESPACE = "istio-system"


def templates_root() -> Path:
    env = os.environ.get("IDMESH_MANIFEST_TEMPLATES")
    return Path(env) if env else Path(__file__).resolve().parents[2]


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
    return f"http://{service_name(function)}.{platform_namespace}.svc.cluster.local"


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
    """A tenant's set: Namespace, Broker, Triggers, Istio STRICT mTLS + deny-by-default, and
    for each function in `dedicated` a tenant-dedicated Service plus the VirtualService that
    routes this tenant's events (`ce-tenantid`) to it. `values` chooses the Broker's backing
    (a durable channel or the Kafka broker class) and the image."""
    values = values_or_defaults(values, image_registry, tag, platform_namespace)
    platform_namespace = values.platform_namespace
    broker_class, broker_config = install.broker_backing(values)
    _check_tenant(slug, tenant_id)
    tenant_id = tenant_id.lower()
    ns = tenant_namespace(slug)
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
    ]
    for route in ROUTES:
        spec = FUNCTIONS[route.function]
        docs.append(
            render_template(
                "knative/trigger.yaml",
                name=route.name,
                namespace=ns,
                slug=slug,
                attributes=dict(route.attributes),
                subscriber_uri=service_url(route.function, platform_namespace),
                timeout=spec.trigger_timeout,
                dead_letter_uri=dls,
            )
        )
    docs.append(render_template("istio/peer-authentication.yaml", name="default", namespace=ns))
    docs.append(render_template("istio/authorization-deny-all.yaml", namespace=ns))
    for function in dedicated:
        if function not in FUNCTIONS:
            raise ValueError(f"unknown function {function!r}")
        spec = FUNCTIONS[function]
        if len(f"{spec.service}-{slug}") > 63:
            raise ValueError(f"dedicated service name {spec.service}-{slug} exceeds 63 chars")
        svc = _service(spec, values, name=f"{spec.service}-{slug}", tenant_id=tenant_id)
        docs.append(svc)
        docs.append(
            render_template(
                "istio/virtual-service-tenant.yaml",
                name=spec.service,
                slug=slug,
                tenant_id=tenant_id,
                platform_namespace=platform_namespace,
                timeout=f"{spec.timeout_seconds}s",
            )
        )
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
    pooled = values.database.pgbouncer
    doc = render_template(
        "knative/service.yaml",
        name=name,
        component=spec.service,
        platform_namespace=platform_namespace,
        visibility=None if spec.public else "cluster-local",
        target=str(spec.container_concurrency),
        min_scale=str(spec.min_scale),
        max_scale=str(spec.max_scale),
        service_account=spec.service,
        container_concurrency=spec.container_concurrency,
        timeout_seconds=spec.timeout_seconds,
        image=values.images.reference(),
        function_target=spec.name,
        function_source=f"functions/{spec.name}/main.py",
        k_sink=BROKER_INGRESS,
        broker_url=BROKER_INGRESS,
        cpu_request=spec.cpu[0],
        cpu_limit=spec.cpu[1],
        memory_request=spec.memory[0],
        memory_limit=spec.memory[1],
        db_pool=str(spec.db_pool),
        # The relay LISTENs: a session (PgBouncer's session pool), never the transaction pool.
        database_key="session-url" if spec.name in SESSION_FUNCTIONS and pooled else "app-url",
    )
    if spec.name in SHARED_DATA_FUNCTIONS:
        _mount_shared_data(doc)
    if name != spec.service:
        # A tenant-dedicated revision keeps the function's identity (labels, principal).
        doc["metadata"]["labels"]["idmesh.io/dedicated-tenant-id"] = tenant_id
    return doc


# Platform data read by these functions (sanctions list versions and their indexes, the
# CSCA/CRL trust store) lives on one shared volume, written by `idmesh aml load` and
# `idmesh nfc trust import` run as Jobs; Knative needs its persistent-volume-claim features.
SHARED_DATA_FUNCTIONS = frozenset({"aml", "nfc"})
SHARED_DATA_CLAIM = install.PLATFORM_DATA_CLAIM


def _mount_shared_data(doc: dict[str, Any]) -> None:
    pod = doc["spec"]["template"]["spec"]
    pod["volumes"].append(
        {
            "name": "platform-data",
            "persistentVolumeClaim": {"claimName": SHARED_DATA_CLAIM, "readOnly": True},
        }
    )
    container = pod["containers"][0]
    container["volumeMounts"].append(
        {"name": "platform-data", "mountPath": "/data", "readOnly": True}
    )
    container["env"].append({"name": "IDMESH_DATA_DIR", "value": "/data"})


def _allow_rules(spec: FunctionSpec) -> list[dict[str, Any]]:
    system_paths = {
        "from": [{"source": {"namespaces": ["knative-serving"]}}],
        "to": [{"operation": {"methods": ["GET"], "paths": ["/healthz", "/readyz", "/metrics"]}}],
    }
    if spec.name == "api":
        callers = [INGRESS_GATEWAY_PRINCIPAL, ACTIVATOR_PRINCIPAL]
        ops = {"methods": ["GET", "POST", "PUT", "PATCH", "DELETE"], "paths": ["/v1/*"]}
    elif spec.name == "relay":
        callers = [
            PINGSOURCE_PRINCIPAL,
            ACTIVATOR_PRINCIPAL,
            f"cluster.local/ns/{PLATFORM_NAMESPACE}/sa/api",
        ]
        ops = {"methods": ["POST"], "paths": ["/"]}
    elif spec.name == "dead_letters":
        callers = [BROKER_FILTER_PRINCIPAL, CHANNEL_DISPATCHER_PRINCIPAL, ACTIVATOR_PRINCIPAL]
        ops = {"methods": ["POST"], "paths": ["/"]}
    else:  # orchestrator, webhooks and the checks: only the broker delivers to them
        callers = [BROKER_FILTER_PRINCIPAL, ACTIVATOR_PRINCIPAL]
        ops = {"methods": ["POST"], "paths": ["/"]}
    return [
        {"from": [{"source": {"principals": callers}}], "to": [{"operation": ops}]},
        system_paths,
    ]


def render_platform(
    image_registry: str = "ghcr.io/idmesh",
    tag: str = "latest",
    platform_namespace: str = PLATFORM_NAMESPACE,
    values: ClusterValues | None = None,
) -> list[dict[str, Any]]:
    """The shared platform: namespace, the settings ConfigMap, the migration Job, one
    Knative Service (and ServiceAccount) per function, PgBouncer (when enabled; else max
    scales cut to the server's connections), the Broker backing's ConfigMap, the relay
    PingSource, and the Istio baseline (STRICT mTLS mesh-wide and per namespace,
    deny-by-default + allow-lists, ISTIO_MUTUAL DestinationRule)."""
    values = values_or_defaults(values, image_registry, tag, platform_namespace)
    platform_namespace = values.platform_namespace
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
        *install.platform_data(values),
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
    docs.append(render_template("knative/pingsource.yaml", platform_namespace=platform_namespace))
    docs.append(
        render_template(
            "istio/peer-authentication.yaml", name="default", namespace=ISTIO_ROOT_NAMESPACE
        )
    )
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
                rules=_allow_rules(spec),
            )
        )
    docs.append(
        render_template("istio/destination-rule.yaml", platform_namespace=platform_namespace)
    )
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
