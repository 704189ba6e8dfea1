"""`dead-letters`: the Triggers' dead-letter sink; keeps what the broker gave up on."""

import functions_framework

from shared.eventing.dead_letters import record_dead_letter
from shared.platform import Platform
from shared.runtime.function import EventFunction, serve


class DeadLetters(EventFunction):
    name = "dead-letters"

    def start(self, settings):
        self.platform = Platform.from_settings(settings, pool_size=2)

    def handle(self, event):
        record_dead_letter(self.platform.db, event)

    def stop(self):
        self.platform.close()


host = serve(DeadLetters())


@functions_framework.http
def dead_letters(request):
    return host(request)
