"""Fixtures of the hosted-flow tests: the whole local stack, a tenant, and a page the end
user is sent back to."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import tenant_on
from tests.hosted.browser import StaticPage


@pytest.fixture()
def api(stack):
    with httpx.Client(base_url=stack.api_url, timeout=120) as c:
        yield c


@pytest.fixture()
def tenant(api, pg):
    return tenant_on(api, pg, "Hosted Co")


@pytest.fixture(scope="session")
def return_url():
    page = StaticPage(
        b"<!doctype html><html lang='en'><title>Back</title><h1>Back at the tenant</h1>"
    )
    yield f"{page.url}/kyc/done"
    page.stop()
