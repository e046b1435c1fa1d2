"""Fixtures shared by every app's tests: users with roles in agencies, signed-in clients."""

import pytest

from openmash.accounts.models import Agency, Role, User
from openmash.accounts.reference_data import load_reference_data


@pytest.fixture
def agencies(db):
    load_reference_data()
    return {a.code: a for a in Agency.objects.all()}


@pytest.fixture
def make_user(agencies):
    """make_user("practice_manager", agency="CSC") -> a saved, active user with those roles."""
    counter = {"n": 0}

    def _make(*role_codes, agency="CSC", username=None, **extra):
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"user{counter['n']}-{'-'.join(role_codes) or 'none'}",
            password="correct-horse-battery-staple",
            agency=agencies[agency],
            first_name="Test",
            last_name=f"User {counter['n']}",
            **extra,
        )
        user.roles.set(Role.objects.filter(code__in=role_codes))
        return user

    return _make


def _force_login_with_mfa(client, user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}},
    )
    client.force_login(user)
    return client


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in with MFA treated as done."""
    return lambda user: _force_login_with_mfa(client, user)


@pytest.fixture
def client_for(db):
    """client_for(user) -> a new test client signed in as ``user`` (MFA treated as done), for
    tests that keep several users signed in at once, like partners of different agencies."""
    from django.test import Client

    return lambda user: _force_login_with_mfa(Client(), user)
