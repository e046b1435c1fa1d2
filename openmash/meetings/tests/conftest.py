"""Fixtures for the meetings tests: MASH staff and partner practitioners, and a contact on a
MASH meeting's agenda with requests to police and health."""

import pytest

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
