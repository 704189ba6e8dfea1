"""`webhooks`: delivers session.decided, session.updated and aml.hit to the tenant's
endpoint, signed (Standard Webhooks); failures are retried by the relay's schedule. An
event is delivered only if Postgres recorded it (`shared.webhooks.intake`)."""

import functions_framework
import httpx

from shared.platform import Platform
from shared.runtime.function import EventFunction, serve
from shared.webhooks.delivery import attempt
from shared.webhooks.intake import record_delivery


class WebhooksFunction(EventFunction):
    name = "webhooks"

    def start(self, settings):
        self.platform = Platform.from_settings(settings)
        self.client = httpx.Client(timeout=10.0)

    def handle(self, event):
        delivery_id = record_delivery(self.platform, event)
        if delivery_id is not None:
            attempt(self.platform, event.tenant_id, delivery_id, self.client)

    def stop(self):
        self.client.close()
        self.platform.close()


host = serve(WebhooksFunction())


@functions_framework.http
def webhooks(request):
    return host(request)
