"""The contact page reads each part once: the enquiry, analysis and decision feed both the
timeline and their panels, and the optional parts (consent history, Art 18 banner, incorrect
opinions, meetings) are read only when a query of flags says they have anything."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openmash.contacts.models import Contact
from openmash.contacts.selectors import PANEL_FLAGS, contact_get_for_user, panel_flags

from .factories import ContactPersonFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _page_queries(client, contact) -> list[str]:
    url = reverse("contacts:detail", args=[contact.pk])
    client.get(url)  # the session and MFA flag settle on the first request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def _reads(sqls, table) -> int:
    """How many queries select from ``table`` (not counting subqueries inside another)."""
    return sum(1 for sql in sqls if sql.startswith(f'SELECT "{table}".'))


def test_the_episode_is_read_once_and_bare_panels_not_at_all(analysed_contact, staff, signed_in):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    sqls = _page_queries(signed_in(staff["pm"]), contact)
    for table in (
        "enquiries_mashenquiry",
        "enquiries_informationrequest",
        "decisions_analysis",
        "decisions_decision",
    ):
        assert _reads(sqls, table) == 1, table
    for table in (
        "governance_consentrecord",
        "governance_consentoverride",
        "governance_notinformdecision",
        "governance_processingrestriction",
        "governance_incorrectopinionflag",
        "meetings_agendaitem",
    ):
        assert _reads(sqls, table) == 0, table


def test_the_page_costs_the_same_whatever_the_number_of_agencies(
    analysed_contact, staff, signed_in
):
    client = signed_in(staff["pm"])
    two = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    five = analysed_contact(agency_codes=("POLICE", "HEALTH", "EDUCATION", "HOUSING", "YOS"))
    assert len(_page_queries(client, five)) == len(_page_queries(client, two))


def test_the_flags_say_what_is_there_and_a_contact_read_without_them_shows_everything(
    ready_contact, staff
):
    from openmash.governance.models import ProcessingRestriction

    contact = ready_contact()
    plain = Contact.unscoped.get(pk=contact.pk)
    assert panel_flags(plain) == dict.fromkeys(PANEL_FLAGS, True)

    read = contact_get_for_user(staff["pm"], contact.pk, panels=True)
    assert panel_flags(read) == dict.fromkeys(PANEL_FLAGS, False)

    person = PersonFactory()
    ContactPersonFactory(contact=contact, person=person)
    ProcessingRestriction.unscoped.create(
        person=person, ground="accuracy", started_at=contact.received_at, started_by=staff["dpo"]
    )
    read = contact_get_for_user(staff["pm"], contact.pk, panels=True)
    assert panel_flags(read)["has_processing_restriction"] is True


def test_the_access_log_is_one_insert_without_the_chain_lock(analysed_contact, staff, signed_in):
    """ADR 0008: a view is staged with one INSERT; the chain head is neither read nor locked."""
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    sqls = _page_queries(signed_in(staff["pm"]), contact)
    audit = [sql for sql in sqls if '"audit_' in sql]
    assert len(audit) == 1 and audit[0].startswith('INSERT INTO "audit_pendingaccess"')
    assert not any("FOR UPDATE" in sql for sql in sqls)
