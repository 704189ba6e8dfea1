"""Fixtures of the console tests: the whole local stack (the console is one of its
functions), a webhook receiver, and sessions the documents + face workflow sent to review."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from tests.documents.generator import make_sample
from tests.platform.conftest import receiver  # noqa: F401 - the same receiver fixture


@pytest.fixture()
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=120) as c:
        yield c


@pytest.fixture(scope="session")
def passport():
    expiry = date.today() + timedelta(days=5 * 365)
    return make_sample("td3", "perspective", 2001, changes={"expiry_date": expiry})
