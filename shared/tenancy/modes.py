"""Live and test mode (the sandbox).

A key's mode is in its prefix (`idm_test_…`), which its hash covers, so it cannot be
changed without the key failing; a test session's token is `ist_test_…`. Each API
transaction sets `idmesh.mode` (`live` or `test`) and Postgres row-level security shows
sessions of that mode only (migration 0111); platform functions (orchestrator, checks,
webhooks, sweeper) work on a session by id and leave it unset (every mode)."""

from __future__ import annotations

from typing import Literal

from shared.tenancy.secrets import API_KEY_PREFIX, SESSION_TOKEN_PREFIX

Mode = Literal["live", "test"]
TEST_KEY_PREFIX = API_KEY_PREFIX + "test_"
TEST_TOKEN_PREFIX = SESSION_TOKEN_PREFIX + "test_"
SANDBOX_OTP = "000000"  # the one-time code of every test session (documented)


def mode_of(token: str) -> Mode:
    """The mode of an API key or session token (by its prefix)."""
    return "test" if token.startswith((TEST_KEY_PREFIX, TEST_TOKEN_PREFIX)) else "live"


def key_prefix(mode: Mode) -> str:
    return TEST_KEY_PREFIX if mode == "test" else API_KEY_PREFIX


def token_prefix(mode: Mode) -> str:
    return TEST_TOKEN_PREFIX if mode == "test" else SESSION_TOKEN_PREFIX
