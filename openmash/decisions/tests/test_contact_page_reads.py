"""The contact page reads each part once: the enquiry, analysis and decision — joined to the
contact's own query when the user's scopes keep every row — feed both the timeline and their
panels, and the optional parts (consent history, Art 18 banner, incorrect opinions, meetings)
are read only when flags in that query say they have anything."""

import re

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


def test_the_episode_is_joined_to_the_contact_and_bare_panels_not_read(
    analysed_contact, staff, signed_in
):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    sqls = _page_queries(signed_in(staff["pm"]), contact)
    assert _reads(sqls, "contacts_contact") == 1
    (contact_query,) = (sql for sql in sqls if sql.startswith('SELECT "contacts_contact".'))
    for table in ("enquiries_mashenquiry", "decisions_analysis", "decisions_decision"):
        assert _reads(sqls, table) == 0, table
        assert f'JOIN "{table}"' in contact_query, table
    assert _reads(sqls, "enquiries_informationrequest") == 1
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


def test_a_user_whose_scopes_filter_gets_the_same_page_from_separate_reads(
    analysed_contact, staff, signed_in, monkeypatch
):
    """If a scope rule filters (here: the decision's, made to keep every row through a
    filter), that part is read by its own scoped query, and the page says the same."""
    from openmash.core import scoping

    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    client = signed_in(staff["pm"])
    url = reverse("contacts:detail", args=[contact.pk])
    joined = client.get(url).content.decode()
    rule = scoping.SCOPE_RULES["decisions.Decision"]
    monkeypatch.setitem(
        scoping.SCOPE_RULES, "decisions.Decision", lambda qs, user: rule(qs, user).filter()
    )
    sqls = _page_queries(client, contact)
    assert _reads(sqls, "decisions_decision") == 1
    assert _reads(sqls, "decisions_analysis") == 0
    separate = client.get(url).content.decode()
    assert _main(separate) == _main(joined)
    assert "Decision" in _main(joined)


def _main(html: str) -> str:
    """The page's main content, without the CSRF token (new on every page)."""
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def test_scope_keeps_every_row_only_when_the_rule_returns_its_queryset(staff, make_user):
    from openmash.core.scoping import scope_keeps_every_row
    from openmash.decisions.models import Decision
    from openmash.enquiries.models import InformationRequest, MashEnquiry

    police = make_user("partner_practitioner", agency="POLICE")
    assert scope_keeps_every_row(MashEnquiry, staff["pm"])
    assert scope_keeps_every_row(InformationRequest, staff["pm"])
    assert not scope_keeps_every_row(MashEnquiry, police)  # filtered to their agency
    assert not scope_keeps_every_row(Decision, police)
    staff["sw"].is_active = False
    assert not scope_keeps_every_row(Decision, staff["sw"])
    assert not scope_keeps_every_row(Contact.people.rel.related_model, None)


def test_the_plain_sql_flags_answer_as_the_orm_flags(ready_contact, staff, make_user):
    """``_panel_flags_sql`` (used when the scopes allow) must say exactly what the scoped ORM
    flags say, contact by contact, whatever each contact holds."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL
    from django.utils import timezone

    from openmash.contacts.selectors import _panel_flags_sql
    from openmash.governance.models import IncorrectOpinionFlag, ProcessingRestriction
    from openmash.governance.selectors import contact_page_flags
    from openmash.governance.services_consent import consent_record
    from openmash.meetings.codes import ItemSource
    from openmash.meetings.models import AgendaItem
    from openmash.meetings.selectors import contact_on_agenda
    from openmash.meetings.tests.factories import meeting_at

    now = timezone.now()
    plain, consented, restricted, lifted, opinion, on_agenda, removed = (
        ready_contact() for _ in range(7)
    )
    consent_record(consented, actor=staff["pm"], status="refused", reason="Parent declined.")
    for contact, lifted_at in ((restricted, None), (lifted, now)):
        person = PersonFactory()
        ContactPersonFactory(contact=contact, person=person)
        ProcessingRestriction.unscoped.create(
            person=person,
            ground="accuracy",
            started_at=now,
            started_by=staff["dpo"],
            lifted_at=lifted_at,
            **({"lifted_by": staff["dpo"]} if lifted_at else {}),
        )
    IncorrectOpinionFlag.unscoped.create(
        target_type="enquiries.informationrequest",
        target_id="1",
        field="risk_factors",
        field_label="Risk factors",
        contact=opinion,
        note="About another family.",
        flagged_at=now,
        flagged_by=staff["dpo"],
    )
    meeting = meeting_at("mash_meeting", now)
    for position, (contact, removed_at) in enumerate(((on_agenda, None), (removed, now)), 1):
        AgendaItem.unscoped.create(
            meeting=meeting,
            contact=contact,
            position=position,
            source=ItemSource.AUTO,
            removed_at=removed_at,
        )
    for user in (staff["pm"], staff["sw"], make_user("early_help", agency="EARLY_HELP")):
        sql = _panel_flags_sql(user)
        assert sql is not None
        rows = Contact.unscoped.annotate(
            **contact_page_flags(user),
            on_agenda=contact_on_agenda(user),
            **{
                f"sql_{name}": RawSQL(text, (), output_field=BooleanField())  # noqa: S611
                for name, text in sql.items()
            },
        ).values("pk", *PANEL_FLAGS, *(f"sql_{name}" for name in PANEL_FLAGS))
        seen = dict.fromkeys(PANEL_FLAGS, False)
        for row in rows:
            for name in PANEL_FLAGS:
                assert bool(row[f"sql_{name}"]) is bool(row[name]), (name, row)
                seen[name] |= bool(row[name])
        assert all(seen.values()), seen  # each flag was true somewhere
        expected = {
            plain.pk: set(),
            consented.pk: {"has_consent_history"},
            restricted.pk: {"has_processing_restriction"},
            lifted.pk: set(),
            opinion.pk: {"has_incorrect_opinions"},
            on_agenda.pk: {"on_agenda"},
            removed.pk: set(),
        }
        for row in rows:
            if row["pk"] in expected:
                assert {n for n in PANEL_FLAGS if row[n]} == expected[row["pk"]], row["pk"]


def test_the_access_log_is_one_insert_without_the_chain_lock(analysed_contact, staff, signed_in):
    """ADR 0008: a view is staged with one INSERT; the chain head is neither read nor locked."""
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    sqls = _page_queries(signed_in(staff["pm"]), contact)
    audit = [sql for sql in sqls if '"audit_' in sql]
    assert len(audit) == 1 and audit[0].startswith('INSERT INTO "audit_pendingaccess"')
    assert not any("FOR UPDATE" in sql for sql in sqls)


def test_the_staff_the_page_names_are_read_in_one_query_not_joined(
    analysed_contact, staff, signed_in
):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    sqls = _page_queries(signed_in(staff["pm"]), contact)
    for sql in sqls:
        if sql.startswith(('SELECT "contacts_contact".', 'SELECT "enquiries_informationrequest".')):
            assert '"accounts_user"' not in sql
    page = signed_in(staff["pm"]).get(reverse("contacts:detail", args=[contact.pk]))
    analyst = staff["sw"].get_full_name()
    assert f"by {analyst}" in page.content.decode()  # timeline and analysis panel


def test_staff_names_attach_sets_each_link_from_one_query(staff, django_assert_num_queries):
    from openmash.accounts.selectors import staff_names_attach
    from openmash.contacts.tests.factories import ContactFactory

    first = ContactFactory(recorded_by=staff["rio"], screened_by=staff["pm"])
    second = ContactFactory(recorded_by=staff["rio"], screened_by=None)
    first, second = (Contact.unscoped.get(pk=c.pk) for c in (first, second))
    with django_assert_num_queries(1):
        staff_names_attach(
            [(c, name) for c in (first, second) for name in ("recorded_by", "screened_by")]
            + [(None, "recorded_by")]
        )
    with django_assert_num_queries(0):
        assert first.recorded_by.get_full_name() == staff["rio"].get_full_name()
        assert first.screened_by.username == staff["pm"].username
        assert second.recorded_by.pk == staff["rio"].pk
        assert second.screened_by is None
    with django_assert_num_queries(0):
        staff_names_attach([(second, "screened_by")])  # nobody to read
