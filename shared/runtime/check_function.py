"""A check function is the check runner around one adapter (plus an optional warm-up that
loads models before the function reports ready)."""

from __future__ import annotations

from collections.abc import Callable

from shared.platform import Platform
from shared.runtime.check_runner import CheckRunner
from shared.runtime.function import EventFunction, FunctionHost, serve
from shared.sessions.check_inputs import Adapter


class CheckFunction(EventFunction):
    def __init__(
        self, check: str, adapter: Adapter, warm_up: Callable[[], None] | None = None
    ) -> None:
        self.name = check
        self.adapter = adapter
        self.warm_up = warm_up
        self.runner: CheckRunner | None = None

    def start(self, settings) -> None:
        if self.warm_up is not None:
            self.warm_up()
        self.runner = CheckRunner(Platform.from_settings(settings), self.name, self.adapter)

    def handle(self, event):
        return self.runner.on_event(event)


def check_host(
    check: str, adapter: Adapter, warm_up: Callable[[], None] | None = None
) -> FunctionHost:
    return serve(CheckFunction(check, adapter, warm_up))
