"""Fixtures for the API tests: partner staff with tokens, enquiries opened through the
service, and a client that sends a token."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from openmash.api.services import api_token_create
from openmash.enquiries.tests.conftest import (  # noqa: F401 - shared fixtures
    education,
    health,
    open_enquiry,
    pm,
    police,
    police2,
    social_worker,
)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Throttle counts live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_for():
    """token_for(user, days=90) -> the secret of a new token of ``user``."""

    def _make(user, days=90, name="Case system"):
        return api_token_create(actor=user, name=name, lifetime_days=days)[1]

    return _make


@pytest.fixture
def api_as(token_for):
    """api_as(user) -> an API client sending a new token of ``user``."""

    def _client(user, secret=None):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret or token_for(user)}")
        return client

    return _client
