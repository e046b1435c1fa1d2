"""Staff for the deadline-warning and closure-day tests."""

import pytest


@pytest.fixture
def staff(make_user):
    """One user per part the warnings involve, each with a work email address."""

    def user(role, agency="CSC", name=""):
        return make_user(role, agency=agency, email=f"{name}@mash.example.org")

    return {
        "pm": user("practice_manager", name="pm"),
        "tm": user("team_manager", name="tm"),
        "sw": user("mash_social_worker", name="sw"),
        "rio": user("referral_officer", name="rio"),
        "police": user("partner_practitioner", "POLICE", "police"),
        "police2": user("partner_practitioner", "POLICE", "police2"),
        "health": user("partner_practitioner", "HEALTH", "health"),
        "admin": user("administrator", name="admin"),
        "dpo": user("dpo", name="dpo"),
    }
