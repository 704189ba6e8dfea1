"""Security rules of the offline validator: policies that pass every schema yet would break
or mislead on a real Knative + Istio install (issue 12). Each rule cites where it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PRINCIPAL = re.compile(r"^[^/]+/ns/([^/]+)/sa/([^/]+)$")


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind')} {meta.get('namespace', '')}/{meta.get('name')}"


def _principals(doc: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for rule in (doc.get("spec") or {}).get("rules") or []:
        for f in rule.get("from") or []:
            out += (f.get("source") or {}).get("principals") or []
    return out


def mesh_wide_policy_errors(doc: Mapping[str, Any]) -> list[str]:
    # Istio: a PeerAuthentication in the root namespace (istio-system) applies to the whole
    # mesh (istio.io docs, "Authentication Policy" / mtls-migration). STRICT there breaks
    # the API server's calls to admission webhooks served by injected pods (the API server
    # has no sidecar): an application must set STRICT on its own namespaces only.
    meta = doc.get("metadata") or {}
    if doc.get("kind") == "PeerAuthentication" and meta.get("namespace") == "istio-system":
        return [f"{_name(doc)}: mesh-wide PeerAuthentication from an application manifest"]
    return []


def tenant_virtual_service_errors(doc: Mapping[str, Any]) -> list[str]:
    # net-istio owns the mesh VirtualService of every Knative Service host
    # (knative/net-istio pkg/reconciler/ingress/resources/virtual_service.go) and Istio does
    # not merge two VirtualServices for one host outside gateways (istio.io "Split large
    # virtual services and destination rules"); an un-injected broker filter reaches
    # Services through knative-local-gateway anyway. Tenant routing belongs in Triggers.
    if doc.get("kind") != "VirtualService":
        return []
    for route in (doc.get("spec") or {}).get("http") or []:
        for match in route.get("match") or []:
            if "ce-tenantid" in (match.get("headers") or {}):
                return [f"{_name(doc)}: routes on ce-tenantid; point the tenant's Triggers"]
    return []


def activator_errors(doc: Mapping[str, Any]) -> list[str]:
    # knative/serving config/core/deployments/activator.yaml: since Serving 1.11 the
    # activator runs as `serviceAccountName: activator`; `.../sa/controller` would refuse
    # every proxied request (and Knative does not retry 403).
    if doc.get("kind") != "AuthorizationPolicy":
        return []
    return [
        f"{_name(doc)}: {p} is not the activator's principal since Serving 1.11"
        for p in _principals(doc)
        if p.endswith("/ns/knative-serving/sa/controller")
    ]


def namespace_errors(docs: list[Mapping[str, Any]]) -> list[str]:
    # `--namespace` must move every identity: a principal or OIDC subject naming one of
    # this set's service accounts in another namespace names nobody.
    accounts = {
        (d.get("metadata") or {}).get("name"): (d.get("metadata") or {}).get("namespace")
        for d in docs
        if d.get("kind") == "ServiceAccount"
    }
    errors = []
    for d in docs:
        subjects: list[tuple[str, str, str]] = []
        for p in _principals(d) if d.get("kind") == "AuthorizationPolicy" else []:
            m = _PRINCIPAL.match(p)
            if m:
                subjects.append((p, m[1], m[2]))
        if d.get("kind") == "EventPolicy":
            for f in (d.get("spec") or {}).get("from") or []:
                parts = str(f.get("sub", "")).split(":")
                if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
                    subjects.append((f["sub"], parts[2], parts[3]))
        for text, ns, sa in subjects:
            if sa in accounts and accounts[sa] != ns:
                errors.append(f"{_name(d)}: {text} is not in namespace {accounts[sa]}")
    return errors


def trigger_errors(docs: list[Mapping[str, Any]]) -> list[str]:
    # A Trigger receives every event its broker accepts that matches its filter (knative
    # eventing broker filter): filtering on `tenantid` too means an event of tenant B on
    # tenant A's broker is never delivered. With `authentication-oidc` the filter sends a
    # token only to subscribers with an audience (knative eventing docs, sender-identity):
    # without one the function would refuse every delivery. A tenant's own subscriber
    # (`idmesh manifests --subscriber`, labelled idmesh.io/subscriber) verifies no idmesh
    # workload token, so it needs no audience.
    tenants = {
        (d.get("metadata") or {}).get("namespace"): (
            ((d.get("metadata") or {}).get("annotations") or {}).get("idmesh.io/tenant-id")
        )
        for d in docs
        if d.get("kind") == "Broker"
    }
    errors = []
    for d in docs:
        if d.get("kind") != "Trigger":
            continue
        spec = d.get("spec") or {}
        ns = (d.get("metadata") or {}).get("namespace")
        want = tenants.get(ns)
        got = ((spec.get("filter") or {}).get("attributes") or {}).get("tenantid")
        if want and got != want:
            errors.append(f"{_name(d)}: filter.attributes.tenantid must be {want}")
        if "idmesh.io/subscriber" in ((d.get("metadata") or {}).get("labels") or {}):
            continue
        if not (spec.get("subscriber") or {}).get("audience"):
            errors.append(f"{_name(d)}: spec.subscriber.audience missing (OIDC)")
        dls = (spec.get("delivery") or {}).get("deadLetterSink")
        if dls and not dls.get("audience"):
            errors.append(f"{_name(d)}: spec.delivery.deadLetterSink.audience missing (OIDC)")
    return errors


def event_policy_errors(docs: list[Mapping[str, Any]]) -> list[str]:
    # knative eventing authorization: without an EventPolicy a broker falls back to
    # `default-authorization-mode` (allow-same-namespace by default); each tenant broker
    # states who may post (the relay) explicitly.
    covered = set()
    for d in docs:
        if d.get("kind") != "EventPolicy":
            continue
        ns = (d.get("metadata") or {}).get("namespace")
        for t in (d.get("spec") or {}).get("to") or []:
            ref = t.get("ref") or {}
            if ref.get("kind") == "Broker":
                covered.add((ns, ref.get("name")))
    return [
        f"{_name(d)}: no EventPolicy says who may send to it"
        for d in docs
        if d.get("kind") == "Broker"
        and ((d.get("metadata") or {}).get("namespace"), (d.get("metadata") or {}).get("name"))
        not in covered
    ]


def pod_token_errors(doc: Mapping[str, Any]) -> list[str]:
    # Kubernetes: pods get an API token unless automountServiceAccountToken is false; the
    # functions need none (a projected token with the API server's audience instead).
    if doc.get("kind") != "Service" or not str(doc.get("apiVersion")).startswith("serving"):
        return []
    pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
    if pod.get("automountServiceAccountToken") is not False:
        return [f"{_name(doc)}: automountServiceAccountToken must be false"]
    return []


def security_errors(docs: list[Mapping[str, Any]]) -> list[str]:
    errors: list[str] = []
    for doc in docs:
        errors += mesh_wide_policy_errors(doc)
        errors += tenant_virtual_service_errors(doc)
        errors += activator_errors(doc)
        errors += pod_token_errors(doc)
    errors += namespace_errors(docs)
    errors += trigger_errors(docs)
    errors += event_policy_errors(docs)
    return errors
