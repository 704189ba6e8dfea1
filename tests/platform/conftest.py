"""Fixtures of the platform tests that run on the whole local stack."""

from __future__ import annotations

import pytest

from shared.local.webhook_receiver import WebhookReceiver


@pytest.fixture()
def receiver():
    r = WebhookReceiver().start()
    yield r
    r.stop()
