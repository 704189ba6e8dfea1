"""Knative + Istio manifests for idmesh: rendering (`render`) and offline checks (`validate`)."""

from shared.catalog import CHECKS, FUNCTIONS, ROUTES, service_name
from shared.manifests.render import render_platform, render_tenant, to_yaml, write

__all__ = [
    "CHECKS",
    "FUNCTIONS",
    "ROUTES",
    "render_platform",
    "render_tenant",
    "service_name",
    "to_yaml",
    "write",
]
