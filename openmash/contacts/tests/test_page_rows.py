"""The contact page's people rows and timeline events, rendered in Python (ADR 0011): the
text a user reads, links, and escaping of everything typed in."""

import uuid
from datetime import UTC, date, datetime

from django.urls import reverse

from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactPerson
from openmash.contacts.page_rows import people_rows, timeline_rows
from openmash.contacts.selectors import TimelineEvent
from openmash.people.models import Person


def _person(**fields) -> ContactPerson:
    defaults = {
        "pk": uuid.uuid4(),
        "role": PersonRole.SUBJECT_CHILD,
        "forename": "Ava",
        "surname": "Example",
    }
    return ContactPerson(**{**defaults, **fields})


def test_a_linked_child_open_to_childrens_services_with_every_detail():
    person = Person(pk=uuid.uuid4(), local_id="P000123", open_to_team_id=uuid.uuid4())
    cp = _person(
        person=person,
        sex="F",
        date_of_birth=date(2019, 3, 5),
        address="1 Test Street",
        postcode="ZZ1 1ZZ",
        relationship_to_child="Self",
        possible_duplicate=True,
    )
    (row,) = people_rows([cp], can_link=True)
    assert 'cell">Ava Example<br><span class="govuk-body-s">Female' in row
    assert "Child the concern is about" in row and ">Self</span>" in row
    assert "5 Mar 2019" in row
    assert "1 Test Street, ZZ1 1ZZ" in row
    assert f'href="{reverse("people:person_detail", args=[person.pk])}">P000123' in row
    assert "Open to children's services" in row
    assert "Possible duplicate" in row
    assert f'href="{reverse("people:contact_person_link", args=[cp.pk])}">Change link' in row


def test_an_unlinked_unborn_child_without_an_address_and_no_link_for_readers():
    cp = _person(expected_delivery_date=date(2027, 1, 9))
    (row,) = people_rows([cp], can_link=False)
    assert "Unborn, due 9 Jan 2027" in row
    assert "Not known" in row  # the address
    assert "Not linked" in row
    assert "Find or create" not in row and "Change link" not in row
    assert "Possible duplicate" not in row and "Open to children" not in row
    (offered,) = people_rows([cp], can_link=True)
    assert "Find or create" in offered


def test_only_a_postcode_and_no_date_of_birth():
    (row,) = people_rows([_person(postcode="ZZ9 9ZZ", sex="X")], can_link=False)
    assert ">ZZ9 9ZZ</td>" in row
    assert "Sex not known" in row
    assert row.count("Not known") == 1  # the date of birth


def test_what_people_typed_is_escaped():
    cp = _person(forename="<script>alert(1)</script>", relationship_to_child='"Dad" & co')
    (row,) = people_rows([cp], can_link=True)
    assert "<script>" not in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Example" in row
    assert "&quot;Dad&quot; &amp; co" in row
    assert hasattr(row, "__html__")  # printed as is by the template


def test_timeline_events_in_local_time_with_who_and_detail():
    summer = datetime(2026, 7, 1, 8, 5, tzinfo=UTC)  # 09:05 in London
    rows = timeline_rows(
        [
            TimelineEvent(summer, "Screened", "Red <urgent>", "Pat Manager"),
            TimelineEvent(summer, "Ready for analysis"),
        ]
    )
    assert (
        '<time datetime="2026-07-01T09:05:00+01:00">1 Jul 2026, 09:05</time> by Pat Manager'
        in (rows[0])
    )
    assert "Red &lt;urgent&gt;" in rows[0]
    assert " by " not in rows[1] and "margin-bottom-0" not in rows[1]


def test_the_contact_summaries_say_what_the_template_said():
    from openmash.accounts.models import User
    from openmash.contacts.models import Contact
    from openmash.contacts.page_rows import contact_details, referrer_details, screening_details

    at = datetime(2026, 3, 5, 9, 15, tzinfo=UTC)
    contact = Contact(
        received_at=at,
        clock_started_at=at,
        decision_due_at=at,
        channel="phone",
        source="1A",
        immediate_risk=True,
        consent_status="refused",
        consent_reason="Mother said <no>\nTwice",
        referrer_name="A & B",
        rag="red",
        threshold_level="level_4",
        route="mash_enquiry",
        screening_rationale="Line one\nLine <two>",
        screened_at=at,
        screened_by=User(username="pm1", first_name="Pat", last_name="Manager"),
    )
    details = contact_details(contact)
    assert "Thursday 5 March 2026, 09:15 – " in details
    assert "(CIN code 1A)" in details
    assert "Yes – immediate risk" in details
    assert "Mother said &lt;no&gt;<br>Twice" in details
    referrer = referrer_details(contact)
    assert ">A &amp; B</dd>" in referrer and referrer.count("Not given") == 5
    screening = screening_details(contact)
    assert 'openmash-tag--red">' in screening
    assert "Line one<br>Line &lt;two&gt;" in screening
    assert "Pat Manager, 5 March 2026, 09:15" in screening
