"""Fixtures of the platform tests that run on the whole local stack."""

from __future__ import annotations

import httpx
import pytest

from shared.local.webhook_receiver import WebhookReceiver


@pytest.fixture()
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=30) as c:
        yield c


@pytest.fixture()
def receiver():
    r = WebhookReceiver().start()
    yield r
    r.stop()
