"""The web functions' lifecycle (shared/runtime/web.py): started once per process, a failed
start answered 503 and tried again, stopped once."""

from __future__ import annotations

import threading

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.config import Settings
from shared.runtime.web import WebFunction, WebHost


class Counter(WebFunction):
    """Starts after `fail_starts` failed attempts; answers with how often it started."""

    name = "counter"

    def __init__(self, fail_starts: int = 0) -> None:
        self.fail_starts = fail_starts
        self.starts = 0
        self.stops = 0

    def start(self, settings: Settings) -> None:
        if self.fail_starts:
            self.fail_starts -= 1
            raise ConnectionError("database not up yet")
        self.starts += 1

    def handle(self, request: Request) -> Response:
        return Response(f"{request.path} started={self.starts}")

    def stop(self) -> None:
        self.stops += 1


def _get(host: WebHost, path: str = "/x") -> Response:
    return host(Request(EnvironBuilder(path=path).get_environ()))


def test_started_once_even_under_concurrent_first_requests():
    fn = Counter()
    host = WebHost(fn, Settings())
    answers: list[Response] = []
    threads = [threading.Thread(target=lambda: answers.append(_get(host))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fn.starts == 1
    assert {a.get_data(as_text=True) for a in answers} == {"/x started=1"}


def test_a_failed_start_is_a_503_problem_and_is_tried_again():
    fn = Counter(fail_starts=1)
    host = WebHost(fn, Settings())
    first = _get(host)
    assert first.status_code == 503
    assert first.mimetype == "application/problem+json"
    assert first.headers["Retry-After"] == "2"
    assert "ConnectionError" in first.get_data(as_text=True)
    assert "database not up yet" not in first.get_data(as_text=True)  # no internals
    second = _get(host)
    assert second.status_code == 200 and fn.starts == 1


def test_stopped_once_and_only_if_started():
    never = Counter()
    WebHost(never, Settings()).stop()
    assert never.stops == 0
    fn = Counter()
    host = WebHost(fn, Settings())
    _get(host)
    host.stop()
    host.stop()
    assert fn.stops == 1
