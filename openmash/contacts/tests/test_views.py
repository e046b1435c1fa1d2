"""Pages of the contacts app: recording, completing, the contact page, screening, queues."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import Contact, ContactPerson, ContactStatus

from .factories import ContactPersonFactory, SubmittedContactFactory, contact_with_child


def _new_contact_post(**overrides):
    received = timezone.localtime() - timedelta(hours=1)
    data = {
        "channel": "phone",
        "received_date_0": str(received.day),
        "received_date_1": str(received.month),
        "received_date_2": str(received.year),
        "received_time": received.strftime("%H:%M"),
        "referrer_name": "Robin Caller",
        "referrer_role": "Class teacher",
        "referrer_organisation": "Hillside Primary",
        "referrer_email": "",
        "referrer_phone": "01634 000000",
        "referrer_relationship": "Teacher",
        "source": "2A",
        "concerns": ["neglect"],
        "narrative": "Came to school hungry every day this week.",
        "consent_status": "given",
        "consent_reason": "",
        "people-TOTAL_FORMS": "2",
        "people-INITIAL_FORMS": "1",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "30",
        "people-0-role": "subject_child",
        "people-0-forename": "Kit",
        "people-0-surname": "Testchild",
        "people-0-date_of_birth_0": "4",
        "people-0-date_of_birth_1": "5",
        "people-0-date_of_birth_2": "2016",
        "people-0-postcode": "me4 4tr",
        "people-1-role": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def officer(make_user):
    return make_user("referral_officer")


@pytest.fixture
def manager(make_user):
    return make_user("practice_manager")


# -- recording --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_a_contact(signed_in, officer):
    client = signed_in(officer)
    assert client.get(reverse("contacts:new")).status_code == 200
    response = client.post(reverse("contacts:new"), _new_contact_post())
    contact = Contact.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[contact.pk])
    assert contact.status == ContactStatus.RECORDED
    child = ContactPerson.unscoped.get(contact=contact)
    assert (child.forename, child.postcode) == ("Kit", "ME4 4TR")


@pytest.mark.django_db
def test_validation_errors_are_summarised_and_nothing_is_lost(signed_in, officer):
    client = signed_in(officer)
    future = timezone.localtime() + timedelta(days=2)
    response = client.post(
        reverse("contacts:new"),
        _new_contact_post(
            **{
                "received_date_0": str(future.day),
                "received_date_1": str(future.month),
                "received_date_2": str(future.year),
                "consent_status": "not_sought",
                "people-0-role": "parent_carer",
                "narrative": "Typed text that must survive.",
            }
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "The date and time received must be in the past" in body
    assert "Enter why consent was refused or not sought" in body
    assert "Add at least one child the concern is about" in body
    assert "Typed text that must survive." in body
    assert 'value="Kit"' in body
    assert "<title>Error: " in body
    assert Contact.unscoped.count() == 0


@pytest.mark.django_db
def test_add_another_person_redraws_without_errors(signed_in, officer):
    client = signed_in(officer)
    response = client.post(reverse("contacts:new"), _new_contact_post(add_person="1", narrative=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" not in body
    assert "Person 3" in body
    assert 'value="Kit"' in body
    assert Contact.unscoped.count() == 0


@pytest.mark.django_db
def test_complete_an_online_submission(signed_in, officer):
    contact = SubmittedContactFactory()
    child = ContactPersonFactory(contact=contact, forename="Lou")
    client = signed_in(officer)
    page = client.get(reverse("contacts:complete", args=[contact.pk]))
    assert page.status_code == 200
    assert 'value="Lou"' in page.content.decode()
    data = _new_contact_post(
        **{
            "version": "1",
            "people-TOTAL_FORMS": "1",
            "people-INITIAL_FORMS": "1",
            "people-0-id": str(child.pk),
            "people-0-forename": "Louise",
        }
    )
    response = client.post(reverse("contacts:complete", args=[contact.pk]), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    child.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED
    assert child.forename == "Louise"


@pytest.mark.django_db
def test_complete_with_a_stale_version_shows_the_conflict(signed_in, officer):
    contact = SubmittedContactFactory()
    child = ContactPersonFactory(contact=contact)
    client = signed_in(officer)
    data = _new_contact_post(
        **{
            "version": "7",
            "people-TOTAL_FORMS": "1",
            "people-INITIAL_FORMS": "1",
            "people-0-id": str(child.pk),
            "narrative": "Still here after the conflict.",
        }
    )
    response = client.post(reverse("contacts:complete", args=[contact.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in body
    assert "Still here after the conflict." in body


# -- the contact page and screening -----------------------------------------------------------


@pytest.mark.django_db
def test_contact_page_shows_everything_and_logs_the_view(signed_in, manager):
    contact = contact_with_child(immediate_risk=True)
    child = ContactPerson.unscoped.get(contact=contact)
    response = signed_in(manager).get(reverse("contacts:detail", args=[contact.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert contact.reference in body
    assert child.forename in body
    assert "Immediate risk" in body
    assert "Contact received" in body  # timeline
    assert "Screen this contact" in body
    assert response["Cache-Control"].startswith("no-store")
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(
        kind=AuditEntry.Kind.ACCESS, target_id=str(contact.pk), actor=manager
    ).exists()


@pytest.mark.django_db
def test_referral_officer_sees_no_screening_form(signed_in, officer):
    contact = contact_with_child()
    body = signed_in(officer).get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "Screen this contact" not in body


@pytest.mark.django_db
def test_screening_form_pre_ticks_suggested_agencies(signed_in, manager, agencies):
    contact = contact_with_child()  # concern: neglect -> early help suggested
    body = signed_in(manager).get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    for code in ("POLICE", "HEALTH", "EDUCATION", "EARLY_HELP"):
        assert f'value="{agencies[code].pk}" checked' in body
    assert f'value="{agencies["HOUSING"].pk}" checked' not in body
    assert "Please check your records" in body


@pytest.mark.django_db
def test_screen_to_mash_enquiry(signed_in, manager, agencies):
    contact = contact_with_child()
    police = agencies["POLICE"]
    response = signed_in(manager).post(
        reverse("contacts:screen", args=[contact.pk]),
        {
            "version": str(contact.version),
            "rag": "red",
            "threshold_level": "cin_cp",
            "route": "mash_enquiry",
            "rationale": "Need police information.",
            "agencies": [str(police.pk)],
            f"question_{police.pk}": "Any incidents at the address?",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ENQUIRY


@pytest.mark.django_db
def test_screen_errors_are_shown_with_what_was_typed(signed_in, manager):
    contact = contact_with_child(immediate_risk=True)
    response = signed_in(manager).post(
        reverse("contacts:screen", args=[contact.pk]),
        {
            "version": str(contact.version),
            "rag": "green",
            "threshold_level": "universal",
            "route": "mash_enquiry",
            "rationale": "My typed rationale.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "must be rated Red" in body
    assert "Choose at least one agency" in body
    assert "My typed rationale." in body
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED


@pytest.mark.django_db
def test_second_practice_manager_gets_a_conflict_message(signed_in, manager, make_user, client):
    contact = contact_with_child()
    data = {
        "version": str(contact.version),
        "rag": "green",
        "threshold_level": "universal",
        "route": "nfa",
        "rationale": "No concerns once checked.",
    }
    assert (
        signed_in(manager).post(reverse("contacts:screen", args=[contact.pk]), data).status_code
        == 302
    )
    client.logout()
    other = make_user("practice_manager")
    response = signed_in(other).post(
        reverse("contacts:screen", args=[contact.pk]), {**data, "route": "signpost"}
    )
    assert response.status_code == 200
    assert "while you were working on it" in response.content.decode()
    contact.refresh_from_db()
    assert contact.route == "nfa"


# -- access -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "agency"), [("partner_practitioner", "POLICE"), ("dpo", "CSC")])
def test_partners_and_dpo_cannot_reach_contact_pages(signed_in, make_user, role, agency):
    contact = contact_with_child()
    submitted = contact_with_child(SubmittedContactFactory)
    client = signed_in(make_user(role, agency=agency))
    urls = [
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:complete", args=[submitted.pk]),
        reverse("contacts:new"),
        reverse("contacts:to_record"),
        reverse("contacts:to_screen"),
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("contacts:screen", args=[contact.pk]), {}).status_code in (403, 404)
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client):
    contact = contact_with_child()
    response = client.get(reverse("contacts:detail", args=[contact.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_unknown_contact_is_not_found(signed_in, manager):
    import uuid

    response = signed_in(manager).get(reverse("contacts:detail", args=[uuid.uuid4()]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_navigation_shows_contacts_entries(signed_in, officer):
    body = signed_in(officer).get(reverse("home")).content.decode()
    assert reverse("contacts:to_screen") in body
    assert reverse("contacts:new") in body


@pytest.mark.django_db
def test_contact_people_shows_link_status(signed_in, manager):
    contact = contact_with_child()
    ContactPersonFactory(contact=contact, role=PersonRole.PARENT_CARER, forename="Morgan")
    body = signed_in(manager).get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "Morgan" in body
    assert body.count("Not linked") == 2


@pytest.mark.django_db
def test_decided_contact_page_shows_the_decision_and_no_screening_form(signed_in, manager):
    from openmash.contacts.services import contact_screen

    contact = contact_with_child()
    contact_screen(
        contact,
        actor=manager,
        expected_version=contact.version,
        rag="green",
        threshold_level="universal",
        route="nfa",
        rationale="Needs met by universal services.",
    )
    body = signed_in(manager).get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "No further action" in body
    assert "Needs met by universal services." in body
    assert "Screen this contact" not in body
    assert "Overdue" not in body  # a decided contact is never overdue


@pytest.mark.django_db
def test_screening_to_a_handover_route_asks_for_the_team(signed_in, manager, agencies):
    from openmash.accounts.models import Team

    contact = contact_with_child()
    data = {
        "version": str(contact.version),
        "rag": "amber",
        "threshold_level": "early_help_3",
        "route": "early_help",
        "rationale": "Targeted family support will help.",
        "agencies": [str(agencies["POLICE"].pk)],  # ticked by default; ignored for this route
    }
    client = signed_in(manager)
    response = client.post(reverse("contacts:screen", args=[contact.pk]), data)
    assert "Select the team to pass the child to" in response.content.decode()
    team = Team.objects.filter(receives_handovers=True, active=True).first()
    response = client.post(
        reverse("contacts:screen", args=[contact.pk]), {**data, "receiving_team": str(team.pk)}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == ContactStatus.DECIDED
    assert contact.decision.outcome == "early_help_3"
