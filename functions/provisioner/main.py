"""`provisioner`: applies a new tenant's namespace, Broker and Triggers (server-side apply
on a cluster, the local broker's directory off-cluster) and marks it ready."""

import functions_framework

from events.types import TENANT_REGISTERED
from shared.provisioning.appliers import ProvisioningError
from shared.provisioning.factory import provisioner_from_settings
from shared.provisioning.provisioner import BrokerNotReady
from shared.runtime.function import EventFunction, Refused, Transient, serve


class ProvisionerFunction(EventFunction):
    name = "provisioner"

    def start(self, settings):
        self.provisioner = provisioner_from_settings(settings)

    def handle(self, event):
        if event.type != TENANT_REGISTERED:
            raise Refused(400, f"unexpected event type {event.type}")
        try:
            self.provisioner.on_registered(event.tenant_id, event.data)
        except (BrokerNotReady, ProvisioningError) as exc:
            raise Transient(str(exc)) from exc


host = serve(ProvisionerFunction())


@functions_framework.http
def provisioner(request):
    return host(request)
