"""A check function is the check runner around one adapter (plus an optional warm-up that
loads models before the function reports ready). A check that tenants can also run directly
answers the API's HTTP function call (`POST /check`, shared/runtime/standalone.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from shared.catalog import STANDALONE_CHECKS
from shared.errors import DomainError
from shared.http.problem import Problem, problem_for
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
        self.max_upload_bytes = 0

    def start(self, settings) -> None:
        if self.warm_up is not None:
            self.warm_up()
        self.max_upload_bytes = settings.max_upload_bytes
        self.runner = CheckRunner(Platform.from_settings(settings), self.name, self.adapter)

    def handle(self, event):
        return self.runner.on_event(event)

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.platform.close()

    def call(self, request: Request) -> Response | None:
        if self.name not in STANDALONE_CHECKS:
            return None
        from shared.runtime.standalone import run_standalone

        try:
            result = run_standalone(self.name, request, self.max_upload_bytes)
        except Problem as exc:
            return exc.response()
        except DomainError as exc:
            return problem_for(exc).response()
        return Response(
            json.dumps(result.model_dump(mode="json")),
            status=200,
            mimetype="application/json",
        )


def check_host(
    check: str, adapter: Adapter, warm_up: Callable[[], None] | None = None
) -> FunctionHost:
    return serve(CheckFunction(check, adapter, warm_up))
