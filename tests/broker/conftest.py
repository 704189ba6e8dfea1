from __future__ import annotations

import pytest

from shared.broker import LocalBroker
from tests.broker.helpers import Subscriber


@pytest.fixture
def subscribers():
    made: list[Subscriber] = []

    def make(respond=None) -> Subscriber:
        s = Subscriber(respond)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def start_broker(tmp_path):
    started: list[LocalBroker] = []

    def start(**kwargs) -> LocalBroker:
        b = LocalBroker(
            kwargs.pop("manifests", tmp_path / "manifests"),
            kwargs.pop("services", tmp_path / "services.json"),
            kwargs.pop("state", tmp_path / "state"),
            poll_interval_s=kwargs.pop("poll_interval_s", 0.05),
            **kwargs,
        ).start()
        started.append(b)
        return b

    yield start
    for b in started:
        b.stop()
