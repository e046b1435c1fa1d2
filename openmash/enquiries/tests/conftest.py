"""Fixtures for enquiries tests: staff of the MASH and of partner agencies, and a helper that
opens an enquiry through the service."""

import pytest

from openmash.accounts.roles import Role
from openmash.contacts.codes import Rag
from openmash.enquiries.services import enquiry_open

from .factories import RecordedContactFactory


@pytest.fixture
def pm(make_user):
    return make_user(Role.PRACTICE_MANAGER, agency="CSC")


@pytest.fixture
def social_worker(make_user):
    return make_user(Role.MASH_SOCIAL_WORKER, agency="CSC")


@pytest.fixture
def police(make_user):
    return make_user(Role.PARTNER_PRACTITIONER, agency="POLICE")


@pytest.fixture
def police2(make_user):
    return make_user(Role.PARTNER_PRACTITIONER, agency="POLICE")


@pytest.fixture
def health(make_user):
    return make_user(Role.PARTNER_PRACTITIONER, agency="HEALTH")


@pytest.fixture
def education(make_user):
    return make_user(Role.PARTNER_PRACTITIONER, agency="EDUCATION")


@pytest.fixture
def open_enquiry(pm, agencies):
    """open_enquiry(codes=("POLICE", "HEALTH"), rag="red", **contact fields) -> MashEnquiry."""

    def _open(codes=("POLICE", "HEALTH"), rag=Rag.RED, contact=None, **contact_fields):
        contact = contact or RecordedContactFactory(**contact_fields)
        return enquiry_open(
            contact,
            actor=pm,
            agency_ids=[agencies[c].pk for c in codes],
            questions={agencies[c].pk: f"What does {c.lower()} hold?" for c in codes},
            expected_version=contact.version,
            screening={"rag": rag},
        )

    return _open
