"""Reads of contacts: scoping, the access log and the episode's timeline."""

import pytest
from django.http import Http404

from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts import selectors, services
from openmash.contacts.models import ContactPerson, ContactStatus
from openmash.people.services import person_create

from .factories import ContactFactory, ContactPersonFactory, contact_with_child


@pytest.mark.django_db
def test_contact_get_for_user_logs_one_entry_per_linked_person(make_user):
    officer = make_user("referral_officer")
    contact = ContactFactory()
    first = person_create(actor=officer, forename="Ada", surname="Example")
    second = person_create(actor=officer, forename="Bo", surname="Example")
    ContactPersonFactory(contact=contact, person=first)
    ContactPersonFactory(contact=contact, person=second)
    ContactPersonFactory(contact=contact)  # not linked yet
    shown = selectors.contact_get_for_user(officer, contact.pk, channel="contacts:detail")
    assert len(shown.people.all()) == 3
    seal_pending()  # views are staged until sealed (ADR 0008)
    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, target_id=str(contact.pk))
    assert {str(e.person_id) for e in entries} == {str(first.pk), str(second.pk)}
    assert {e.channel for e in entries} == {"contacts:detail"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "agency"),
    [("partner_practitioner", "POLICE"), ("dpo", "CSC"), ("administrator", "CSC")],
)
def test_users_without_contact_view_find_nothing(make_user, role, agency):
    contact = contact_with_child()
    user = make_user(role, agency=agency)
    with pytest.raises(Http404):
        selectors.contact_get_for_user(user, contact.pk)
    with pytest.raises(Http404):
        selectors.contact_for_action(user, contact.pk)
    assert not selectors.contact_queue(user, ContactStatus.RECORDED).exists()
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


@pytest.mark.django_db
def test_queue_rows_carry_only_subject_children(make_user):
    officer = make_user("referral_officer")
    contact = contact_with_child()
    ContactPersonFactory(contact=contact, role="parent_carer")
    child = ContactPerson.unscoped.get(contact=contact, role="subject_child")
    rows = list(selectors.contact_queue(officer, ContactStatus.RECORDED))
    selectors.subject_children_attach(officer, rows)
    assert rows[0].children == [
        selectors.ChildRow(
            child.forename, child.surname, child.date_of_birth, child.expected_delivery_date
        )
    ]


@pytest.mark.django_db
def test_queue_children_are_read_within_the_users_scope(make_user):
    contact = contact_with_child()
    partner = make_user("partner_practitioner", agency="POLICE")  # not asked about it
    selectors.subject_children_attach(partner, [contact])
    assert contact.children == []


@pytest.mark.django_db
def test_timeline_follows_the_episode(make_user, agencies):
    manager = make_user("practice_manager")
    contact = contact_with_child()
    police = agencies["POLICE"]
    services.contact_screen(
        contact,
        actor=manager,
        expected_version=contact.version,
        rag="red",
        threshold_level="cin_cp",
        route="mash_enquiry",
        rationale="Police information needed.",
        agency_ids=[police.pk],
        questions={str(police.pk): "Any incidents?"},
    )
    contact.refresh_from_db()
    titles = [e.title for e in selectors.contact_timeline(manager, contact)]
    assert titles[:2] == ["Contact received", "Recorded"]
    assert "Screened" in titles and "MASH enquiry opened" in titles
    opened = next(
        e for e in selectors.contact_timeline(manager, contact) if e.title == "MASH enquiry opened"
    )
    assert "Police" in opened.detail

    # Early help staff read contacts but not other agencies' requests.
    early_help = make_user("early_help", agency="EARLY_HELP")
    opened = next(
        e
        for e in selectors.contact_timeline(early_help, contact)
        if e.title == "MASH enquiry opened"
    )
    assert opened.detail == ""


@pytest.mark.django_db
def test_queue_counts(make_user):
    officer = make_user("referral_officer")
    ContactFactory()
    ContactFactory(status=ContactStatus.SUBMITTED)
    ContactFactory(status=ContactStatus.SUBMITTED)
    assert selectors.contact_queue_counts(officer) == {
        ContactStatus.SUBMITTED: 2,
        ContactStatus.RECORDED: 1,
    }


def _page_snapshot(contact) -> dict:
    """What the contact page uses of a contact read for it."""
    from django.forms.models import model_to_dict

    parts = contact._episode_parts
    decision = parts["decision"]
    return {
        "contact": model_to_dict(contact),
        "flags": selectors.panel_flags(contact),
        "people": [
            (p.pk, p.role, p.forename, p.person_id and p.person.restricted)
            for p in selectors.people_in_order(contact)
        ],
        "concerns": [(c.pk, c.category, c.detail) for c in contact.concerns.all()],
        "enquiry": model_to_dict(parts["enquiry"]),
        "requests": [
            (r.pk, r.agency.name, r.status, r.summary, r.responded_by_id)
            for r in parts["enquiry"].visible_requests
        ],
        "analysis": model_to_dict(parts["analysis"]),
        "decision": model_to_dict(decision),
        "team": decision.receiving_team.name,
    }


@pytest.mark.django_db
def test_the_contact_pages_compiled_reads_match_its_scoped_reads(make_user, agencies):
    """ADR 0012: for CSC staff the contact page is read by queries compiled once; they must
    give what the scoped ORM reads give, and nobody else may use them."""
    from openmash.accounts.models import Team
    from openmash.decisions.tests import factories as episode
    from openmash.governance.models import IncorrectOpinionFlag

    manager = make_user("practice_manager")
    analyst = make_user("mash_social_worker")
    contact = episode.ContactFactory(status=ContactStatus.DECIDED)
    for role in ("subject_child", "parent_carer", "subject_child"):
        episode.ContactPersonFactory(contact=contact, role=role)
    episode.ContactConcernFactory(contact=contact, category="neglect")
    episode.ContactConcernFactory(contact=contact, category="domestic_abuse")
    enquiry = episode.MashEnquiryFactory(contact=contact, opened_by=manager)
    for code in ("POLICE", "HEALTH"):
        episode.InformationRequestFactory(
            enquiry=enquiry, agency=agencies[code], responded_by=analyst
        )
    episode.AnalysisFactory(contact=contact, analysed_by=analyst)
    team = Team.objects.create(code="assessment-test", name="Assessment", agency=agencies["CSC"])
    episode.DecisionFactory(contact=contact, decided_by=manager, receiving_team=team)
    IncorrectOpinionFlag.unscoped.create(
        target_type="contacts.contact",
        target_id=str(contact.pk),
        field="narrative",
        field_label="What has happened",
        contact=contact,
        note="Synthetic.",
        flagged_at=contact.received_at,
        flagged_by=manager,
    )

    for _ in range(2):  # compiled on the first read, reused on the second
        frozen = selectors._contact_page_frozen(manager, contact.pk)
        scoped = selectors._contact_read(manager, contact.pk, panels=True, episode=True)
        assert _page_snapshot(frozen) == _page_snapshot(scoped)
    snapshot = _page_snapshot(frozen)
    assert snapshot["flags"]["has_incorrect_opinions"] is True
    assert snapshot["flags"]["on_agenda"] is False
    assert [row[1] for row in snapshot["requests"]] == sorted(
        row[1] for row in snapshot["requests"]
    )
    assert [row[1] for row in snapshot["people"]][:2] == ["subject_child", "subject_child"]

    # Anyone whose scope filters a table read goes the scoped way.
    for user in (
        make_user("early_help", agency="EARLY_HELP"),  # sees only their agency's requests
        make_user("partner_practitioner", agency="POLICE"),
    ):
        assert selectors._contact_page_frozen(user, contact.pk) is None
    with pytest.raises(Http404):
        selectors._contact_page_frozen(manager, "not-a-uuid")
    with pytest.raises(Http404):
        selectors._contact_page_frozen(manager, episode.ContactFactory().pk.hex[::-1])
