"""Fixtures for the meetings tests: MASH staff and partner practitioners, and a contact on a
MASH meeting's agenda with requests to police and health."""

import pytest
from django.test import Client

from openmash.accounts.roles import Role


@pytest.fixture
def staff(make_user):
    return {
        "pm": make_user(Role.PRACTICE_MANAGER),
        "pm2": make_user(Role.PRACTICE_MANAGER),
        "sw": make_user(Role.MASH_SOCIAL_WORKER),
        "dpo": make_user(Role.DPO),
        "eh": make_user(Role.EARLY_HELP, agency="EARLY_HELP"),
        "police": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE"),
        "police2": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE"),
        "health": make_user(Role.PARTNER_PRACTITIONER, agency="HEALTH"),
        "education": make_user(Role.PARTNER_PRACTITIONER, agency="EDUCATION"),
    }


@pytest.fixture
def client_for(db):
    """client_for(user) -> a fresh client signed in as ``user`` (MFA treated as done)."""
    from allauth.mfa.models import Authenticator

    def _client(user):
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}},
        )
        client = Client()
        client.force_login(user)
        return client

    return _client
