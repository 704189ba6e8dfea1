"""`orchestrator`: runs each session's workflow and decides it (session.submitted,
session.input, check.completed)."""

import functions_framework

from shared.platform import Platform
from shared.runtime.function import EventFunction, serve
from shared.workflows.orchestrator import Orchestrator


class OrchestratorFunction(EventFunction):
    name = "orchestrator"

    def start(self, settings):
        self.orchestrator = Orchestrator(Platform.from_settings(settings))

    def handle(self, event):
        self.orchestrator.on_event(event)

    def stop(self):
        self.orchestrator.platform.close()


host = serve(OrchestratorFunction())


@functions_framework.http
def orchestrator(request):
    return host(request)
