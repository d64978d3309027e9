"""Shared pytest fixtures (registered from the root conftest)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("GOVHALL_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required in CI (GOVHALL_TEST_REDIS_URL unset)")
        pytest.skip("Redis not available")
    return url
