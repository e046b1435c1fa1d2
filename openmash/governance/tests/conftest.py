"""Fixtures for the governance tests.

Part A (consent and override, Record of Sharing, restricted records, dashboard): ``staff``,
``recorded_contact`` and ``open_enquiry``. Add other parts' fixtures below their own header.
"""

import pytest

from openmash.accounts.roles import Role
from openmash.contacts.codes import Rag
from openmash.enquiries.services import enquiry_open
from openmash.enquiries.tests.factories import RecordedContactFactory

# -- Part A ------------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user):
    """One user per part played in consent, overrides and restricted records."""
    return {
        "pm": make_user(Role.PRACTICE_MANAGER, username="pm-a", email="pm-a@example.org"),
        "pm2": make_user(Role.PRACTICE_MANAGER, username="pm2-a"),
        "sw": make_user(Role.MASH_SOCIAL_WORKER, username="sw-a"),
        "rio": make_user(Role.REFERRAL_OFFICER, username="rio-a"),
        "dpo": make_user(Role.DPO, username="dpo-a", email="dpo-a@example.org"),
        "dpo2": make_user(Role.DPO, username="dpo2-a", email="dpo2-a@example.org"),
        "police": make_user(
            Role.PARTNER_PRACTITIONER,
            agency="POLICE",
            username="police-a",
            email="police-a@example.org",
        ),
        "police2": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE", username="police2-a"),
        "health": make_user(Role.PARTNER_PRACTITIONER, agency="HEALTH", username="health-a"),
    }


@pytest.fixture
def recorded_contact(db):
    """recorded_contact(**fields) -> a recorded contact with a linked child and a parent."""
    return RecordedContactFactory


@pytest.fixture
def open_enquiry(staff, agencies):
    """open_enquiry(contact, codes=("POLICE",)) -> the MASH enquiry, opened by the PM."""

    def _open(contact, codes=("POLICE",), actor=None):
        return enquiry_open(
            contact,
            actor=actor or staff["pm"],
            agency_ids=[agencies[c].pk for c in codes],
            questions={agencies[c].pk: f"What does {c.lower()} hold?" for c in codes},
            expected_version=contact.version,
            screening={"rag": Rag.RED},
        )

    return _open


# -- Part B: data subject rights, retention, breaches -----------------------------------------


@pytest.fixture
def dpo(make_user):
    """The data protection officer (children's social care)."""
    return make_user(Role.DPO, username="dpo-b", email="dpo-b@example.org")


@pytest.fixture
def person_with_history(make_user, agencies):
    """person_with_history() -> a child with a decided contact (a parent, a referrer, police and
    health responses, analysis, decision) and Record of Sharing entries to four recipients:
    police, health, the Assessment team and the referrer's email."""
    from .partb_factories import person_with_history as build

    def _build(**kwargs):
        return build(make_user=make_user, agencies=agencies, **kwargs)

    return _build
