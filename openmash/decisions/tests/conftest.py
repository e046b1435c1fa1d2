"""Fixtures for the decision tests: MASH staff, partners, and contacts at each stage."""

import pytest

from openmash.accounts.models import Team
from openmash.contacts.models import ContactStatus
from openmash.enquiries.models import EnquiryStatus

from .factories import (
    AnalysisFactory,
    ContactConcernFactory,
    ContactFactory,
    ContactPersonFactory,
    InformationRequestFactory,
    MashEnquiryFactory,
)


@pytest.fixture
def staff(make_user):
    """One user per part played in the decision step."""
    return {
        "pm": make_user("practice_manager"),
        "pm2": make_user("practice_manager"),
        "sw": make_user("mash_social_worker"),
        "rio": make_user("referral_officer"),
        "dpo": make_user("dpo"),
        "police": make_user("partner_practitioner", agency="POLICE"),
        "health": make_user("partner_practitioner", agency="HEALTH"),
        "housing": make_user("partner_practitioner", agency="HOUSING"),
        "eh": make_user("early_help", agency="EARLY_HELP"),
    }


@pytest.fixture
def teams(agencies):
    return {t.code: t for t in Team.objects.all()}


@pytest.fixture
def ready_contact(staff, agencies):
    """ready_contact(agency_codes=("POLICE", "HEALTH"), **contact fields) -> a contact whose
    MASH enquiry has every response in (awaiting analysis), with a linked child."""

    def _make(agency_codes=("POLICE", "HEALTH"), enquiry_status=EnquiryStatus.READY, **fields):
        contact = ContactFactory(status=ContactStatus.ENQUIRY, **fields)
        ContactPersonFactory(contact=contact)
        ContactConcernFactory(contact=contact, category="domestic_abuse")
        enquiry = MashEnquiryFactory(contact=contact, opened_by=staff["pm"], status=enquiry_status)
        for code in agency_codes:
            InformationRequestFactory(
                enquiry=enquiry,
                agency=agencies[code],
                responded_by=staff.get(code.lower(), staff["police"]),
            )
        return contact

    return _make


@pytest.fixture
def analysed_contact(ready_contact, staff):
    """analysed_contact(**contact fields) -> a contact analysed by the MASH social worker and
    awaiting the practice manager's decision."""

    def _make(agency_codes=("POLICE", "HEALTH"), **fields):
        contact = ready_contact(agency_codes=agency_codes, **fields)
        contact.status = ContactStatus.ANALYSED
        contact.save(update_fields=["status"])
        contact.enquiry.status = EnquiryStatus.ANALYSED
        contact.enquiry.save(update_fields=["status"])
        AnalysisFactory(contact=contact, analysed_by=staff["sw"])
        return contact

    return _make
