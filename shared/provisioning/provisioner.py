"""What the provisioner function does with a `tenant.registered` event."""

from __future__ import annotations

import logging

from events.types import TenantRegistered
from shared.db.tenant_tx import Database
from shared.manifests.render import render_tenant, tenant_namespace
from shared.manifests.values import ClusterValues
from shared.provisioning.appliers import Applier
from shared.tenancy.tenants import mark_provisioned

log = logging.getLogger(__name__)


class BrokerNotReady(Exception):
    """Applied, but the Broker is not Ready yet: the event is redelivered later (re-applying
    is idempotent) and the tenant keeps saying `provisioning`."""


class Provisioner:
    def __init__(self, db: Database, applier: Applier, values: ClusterValues) -> None:
        self.db = db
        self.applier = applier
        self.values = values

    def on_registered(self, tenant_id: str, data: TenantRegistered) -> None:
        docs = render_tenant(data.slug, tenant_id, dedicated=data.dedicated, values=self.values)
        self.applier.apply(docs)
        ns = tenant_namespace(data.slug)
        if not self.applier.broker_ready(ns):
            raise BrokerNotReady(f"Broker {ns}/default not Ready yet")
        with self.db.tenant(tenant_id) as conn:
            if mark_provisioned(conn):
                log.info("tenant %s provisioned (%d documents)", tenant_id, len(docs))
