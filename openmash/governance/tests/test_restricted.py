"""Restricted records: named users open them; anyone else gives a reason first (break-glass),
which is logged, kept and reported to the DPO; search results hide them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactPerson
from openmash.core.errors import NotPermitted
from openmash.governance.models import BreakGlassAccess, PersonRestriction
from openmash.governance.selectors import BREAK_GLASS_WINDOW
from openmash.governance.services_restricted import (
    RestrictionInvalid,
    break_glass_open,
    person_restrict,
    person_restriction_lift,
    restricted_access_revoke,
)
from openmash.people.models import Person
from openmash.people.tests.factories import make_person
from openmash.tasks.models import OutboxMessage

pytestmark = pytest.mark.django_db

REASON = "Screening a new contact about this child's household this morning."


@pytest.fixture
def restricted(staff, recorded_contact):
    """A child (linked on a contact) restricted by the DPO, with the social worker named."""
    contact = recorded_contact()
    child = make_person()  # through the people services, so search finds them
    ContactPerson.unscoped.filter(contact=contact, role=PersonRole.SUBJECT_CHILD).update(
        person=child, forename=child.forename, surname=child.surname
    )
    person_restrict(
        child,
        actor=staff["dpo"],
        reason="Relative of a member of staff.",
        named_users=[staff["sw"]],
    )
    child.refresh_from_db()
    child.contact = contact
    return child


def _person_url(person):
    return reverse("people:person_detail", args=[person.pk])


def _break_glass(client, person, next_url, reason=REASON):
    return client.post(
        reverse("governance:break_glass"),
        {"reason": reason, "next": next_url, "people": str(person.pk)},
    )


def test_named_users_open_it_without_a_reason(staff, restricted, signed_in):
    client = signed_in(staff["sw"])
    assert client.get(_person_url(restricted)).status_code == 200
    assert client.get(reverse("contacts:detail", args=[restricted.contact.pk])).status_code == 200
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize("page", ["person", "contact"])
def test_anyone_else_must_give_a_reason_first(staff, restricted, signed_in, page):
    url = (
        _person_url(restricted)
        if page == "person"
        else reverse("contacts:detail", args=[restricted.contact.pk])
    )
    client = signed_in(staff["rio"])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 403
    assert "This record is restricted" in body
    assert restricted.surname not in body and restricted.local_id not in body
    assert not AuditEntry.objects.filter(
        kind="access", actor=staff["rio"], person_id=restricted.pk
    ).exists()

    response = _break_glass(client, restricted, url)
    assert response.status_code == 302 and response["Location"] == url
    access = BreakGlassAccess.objects.get()
    assert (access.user, access.person_id, access.reason) == (staff["rio"], restricted.pk, REASON)
    assert access.expires_at == access.accessed_at + BREAK_GLASS_WINDOW

    opened = client.get(url)
    assert opened.status_code == 200
    assert restricted.surname in opened.content.decode()
    # The reason is in the access log: at break-glass and with the view that followed.
    logged = AuditEntry.objects.filter(kind="access", actor=staff["rio"], person_id=restricted.pk)
    assert logged.count() >= 2
    assert set(logged.values_list("reason", flat=True)) == {REASON}


def test_break_glass_is_reported_to_each_dpo_once(staff, restricted):
    [access] = break_glass_open(
        staff["rio"], [restricted.pk], reason=REASON, channel="people:person_detail"
    )
    messages = OutboxMessage.objects.filter(kind="break_glass_access")
    assert sorted(messages.values_list("recipient", flat=True)) == [
        "dpo-a@example.org",
        "dpo2-a@example.org",
    ]
    assert {m.dedupe_key for m in messages} == {
        f"break-glass:{access.pk}:{staff['dpo'].pk}",
        f"break-glass:{access.pk}:{staff['dpo2'].pk}",
    }
    body = messages.first().body
    assert restricted.surname not in body and REASON not in body  # email is not secure


def test_a_reason_must_say_something(staff, restricted, signed_in):
    client = signed_in(staff["rio"])
    response = _break_glass(client, restricted, _person_url(restricted), reason="need it")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not BreakGlassAccess.objects.exists()


def test_break_glass_only_opens_what_the_user_may_read_and_only_for_a_while(
    staff, restricted, signed_in
):
    with pytest.raises(RestrictionInvalid):
        break_glass_open(staff["police"], [restricted.pk], reason=REASON, channel="x")
    with pytest.raises(RestrictionInvalid):
        break_glass_open(staff["rio"], [make_person().pk], reason=REASON, channel="x")
    client = signed_in(staff["rio"])
    response = _break_glass(client, restricted, "https://evil.example/")
    assert response.status_code == 400
    _break_glass(client, restricted, _person_url(restricted))
    assert client.get(_person_url(restricted)).status_code == 200
    # Once the window has passed, a new reason is needed.
    BreakGlassAccess.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(_person_url(restricted)).status_code == 403


def test_search_shows_only_that_a_restricted_record_exists(staff, restricted, signed_in):
    query = {
        "forename": restricted.forename,
        "surname": restricted.surname,
        "date_of_birth_0": "",
        "date_of_birth_1": "",
        "date_of_birth_2": "",
        "postcode": "",
        "nhs_number": "",
        "upn": "",
        "local_id": "",
    }
    hidden = signed_in(staff["rio"]).post(reverse("people:search"), query).content.decode()
    assert "Restricted record – reason needed" in hidden
    assert restricted.local_id not in hidden
    assert f"{restricted.forename} {restricted.surname}" not in hidden
    named = signed_in(staff["sw"]).post(reverse("people:search"), query).content.decode()
    assert "Restricted record – reason needed" not in named
    assert restricted.local_id in named


def test_who_may_restrict_lift_and_name(staff, restricted, make_user):
    other = make_person()
    with pytest.raises(NotPermitted):
        person_restrict(other, actor=staff["sw"], reason="Relative.")
    restriction = person_restrict(other, actor=staff["pm"], reason="Relative.")
    other.refresh_from_db()
    assert other.restricted
    # The practice manager who restricted it is named, so work in hand is not blocked.
    from openmash.governance.models import RestrictedAccessGrant

    grant = RestrictedAccessGrant.objects.get(person=other)
    assert grant.user == staff["pm"]
    restricted_access_revoke(grant, actor=staff["pm"])
    person_restriction_lift(restriction, actor=staff["dpo"], reason="Member of staff has left.")
    assert not Person.unscoped.get(pk=other.pk).restricted
    assert PersonRestriction.objects.filter(person=other, lifted_at__isnull=False).exists()


def test_restriction_pages(staff, restricted, signed_in):
    dpo = signed_in(staff["dpo"])
    listing = dpo.get(reverse("governance:restricted_list"))
    assert listing.status_code == 200
    assert restricted.local_id in listing.content.decode()
    restriction = PersonRestriction.objects.get(person=restricted)
    url = reverse("governance:restriction_detail", args=[restriction.pk])
    response = dpo.post(url, {"action": "grant", "user": staff["rio"].pk})
    assert response.status_code == 302
    assert signed_in(staff["rio"]).get(_person_url(restricted)).status_code == 200
    response = signed_in(staff["dpo"]).post(url, {"action": "lift", "lift_reason": ""})
    assert response.status_code == 400
    assert "Enter why the restriction is lifted" in response.content.decode()
    assert signed_in(staff["police"]).get(url).status_code == 403
    new = signed_in(staff["pm"]).post(
        reverse("governance:restricted_list"),
        {"local_id": "NOBODY", "reason": "Relative."},
    )
    assert "No one in the person index has this local person ID" in new.content.decode()


def test_a_form_posted_without_a_reason_returns_to_its_page_afterwards(
    staff, restricted, signed_in
):
    contact_url = reverse("contacts:detail", args=[restricted.contact.pk])
    response = signed_in(staff["pm2"]).post(
        reverse("contacts:screen", args=[restricted.contact.pk]),
        {"version": restricted.contact.version},
        HTTP_REFERER=f"http://testserver{contact_url}",
    )
    assert response.status_code == 403
    assert response.context["form"].initial["next"] == contact_url


def test_case_summary_of_a_restricted_person_needs_a_name_or_a_reason(staff, restricted):
    """The analysis/decision pages' case summary obeys the restriction like the contact page."""
    from openmash.decisions.selectors import case_summary_get_for_user
    from openmash.governance.selectors import RestrictedRecordError

    contact_id = restricted.contact.pk
    summary = case_summary_get_for_user(staff["sw"], contact_id, channel="test")
    assert summary.contact.pk == contact_id
    with pytest.raises(RestrictedRecordError):
        case_summary_get_for_user(staff["rio"], contact_id, channel="test")
    break_glass_open(staff["rio"], [restricted.pk], reason=REASON, channel="test")
    assert case_summary_get_for_user(staff["rio"], contact_id, channel="test")
    logged = AuditEntry.objects.filter(kind="access", actor=staff["rio"], person_id=restricted.pk)
    assert REASON in set(logged.values_list("reason", flat=True))


def test_a_partners_request_about_a_restricted_person_needs_a_reason(
    staff, restricted, open_enquiry, signed_in
):
    """The partner's request page obeys the restriction like the contact page: the minimum
    identifying details only after a break-glass reason (partners are never named)."""
    from openmash.enquiries.models import InformationRequest, RequestStatus

    enquiry = open_enquiry(restricted.contact, codes=("POLICE",))
    request = InformationRequest.unscoped.get(enquiry=enquiry)
    url = reverse("enquiries:request_detail", args=[request.pk])
    police = signed_in(staff["police"])

    response = police.get(url)
    body = response.content.decode()
    assert response.status_code == 403
    assert "This record is restricted" in body
    assert restricted.surname not in body
    answer = {
        "version": request.version,
        "outcome": "not_known",
        "summary": "Nothing held.",
        "systems_searched": "Niche",
        "proportionality_note": "",
    }
    assert police.post(url, answer).status_code == 403
    assert InformationRequest.unscoped.get(pk=request.pk).status == RequestStatus.REQUESTED
    assert not AuditEntry.objects.filter(actor=staff["police"], person_id=restricted.pk)

    assert _break_glass(police, restricted, url)["Location"] == url
    opened = police.get(url)
    assert opened.status_code == 200
    assert restricted.surname in opened.content.decode()
    logged = AuditEntry.objects.filter(
        kind="access", actor=staff["police"], person_id=restricted.pk
    )
    assert logged.count() >= 2
    assert set(logged.values_list("reason", flat=True)) == {REASON}
    # An agency not asked about the contact has nothing to open.
    with pytest.raises(RestrictionInvalid):
        break_glass_open(staff["health"], [restricted.pk], reason=REASON, channel="x")


def test_the_partner_request_selector_refuses_a_restricted_person(staff, restricted, open_enquiry):
    """What any caller of the selector (the page, the API) gets without a reason."""
    from openmash.enquiries.models import InformationRequest
    from openmash.enquiries.selectors import (
        information_request_for_partner,
        information_request_to_answer,
    )
    from openmash.governance.selectors import RestrictedRecordError

    request = InformationRequest.unscoped.get(enquiry=open_enquiry(restricted.contact))
    with pytest.raises(RestrictedRecordError) as refused:
        information_request_for_partner(staff["police"], request.pk, channel="test")
    assert refused.value.person_ids == [str(restricted.pk)]
    with pytest.raises(RestrictedRecordError):
        information_request_to_answer(staff["police"], request.pk)
    break_glass_open(staff["police"], [restricted.pk], reason=REASON, channel="test")
    shown = information_request_for_partner(staff["police"], request.pk, channel="test")
    assert restricted.surname in {p.name.split()[-1] for p in shown.people}
    assert information_request_to_answer(staff["police"], request.pk) == request
