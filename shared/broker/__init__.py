"""idmesh's local Knative-compatible broker (see docs/eventing.md)."""

from shared.broker.broker import LocalBroker, retryable
from shared.broker.config import Delivery, ServiceUrls, Topology, resolve_destination
from shared.broker.store import Store

__all__ = [
    "Delivery",
    "LocalBroker",
    "ServiceUrls",
    "Store",
    "Topology",
    "resolve_destination",
    "retryable",
]
