"""Feedback to the referrer: the outcome in plain words, through the outbox, recorded on the
contact and in the Record of Sharing — and never what the agencies said."""

import pytest
from django.core import mail

from openmash.decisions.codes import OUTCOME_PLAIN_WORDS, Outcome
from openmash.decisions.models import FeedbackStatus
from openmash.decisions.services import contact_decide
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord
from openmash.tasks.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def decide(staff, teams, django_capture_on_commit_callbacks):
    def _decide(contact, outcome=Outcome.STRATEGY_S47, team="ASSESSMENT"):
        with django_capture_on_commit_callbacks(execute=True):
            return contact_decide(
                contact,
                actor=staff["pm"],
                outcome=outcome,
                rationale="Synthetic rationale naming the police intelligence.",
                receiving_team=teams[team] if team else None,
                expected_version=contact.version,
            )

    return _decide


def test_feedback_email_says_the_outcome_in_plain_words_only(analysed_contact, decide):
    # A referrer name no Faker child can share (a random "Louise Taylor" writing about a child
    # surnamed Taylor made the check below fail by chance).
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"), referrer_name="Ms Referrer")
    decision = decide(contact)
    (email,) = [m for m in mail.outbox if m.to == [contact.referrer_email]]

    assert contact.reference in email.subject
    assert OUTCOME_PLAIN_WORDS[Outcome.STRATEGY_S47] in email.body
    assert contact.referrer_name in email.body
    # Nothing the agencies said, nothing of the analysis or rationale, no names, no jargon.
    child = contact.people(manager="unscoped").get()
    requests = contact.enquiry.requests(manager="unscoped").all()
    forbidden = [
        child.forename,
        child.surname,
        contact.narrative[:40],
        contact.analysis.analysis[:40],
        decision.rationale,
        "s47",
        "Strategy discussion",
        "Police",
        *(r.summary[:40] for r in requests),
        *(r.risk_factors[:40] for r in requests),
        *(r.protective_factors[:40] for r in requests),
    ]
    for text in forbidden:
        assert text not in email.body, text
        assert text not in email.subject, text


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_has_feedback(analysed_contact, decide, outcome):
    from openmash.decisions.codes import TEAM_REQUIRED_OUTCOMES

    contact = analysed_contact()
    decide(
        contact, outcome=outcome, team="AREA_NORTH" if outcome in TEAM_REQUIRED_OUTCOMES else None
    )
    (email,) = [m for m in mail.outbox if m.to == [contact.referrer_email]]
    assert OUTCOME_PLAIN_WORDS[outcome] in email.body


def test_feedback_goes_through_the_outbox_once(analysed_contact, decide):
    contact = analysed_contact()
    decision = decide(contact)
    message = OutboxMessage.objects.get(kind="referrer_feedback")
    assert message.recipient == contact.referrer_email
    assert message.dedupe_key == f"referrer-feedback:{decision.pk}"
    assert message.status == OutboxMessage.Status.SENT  # tasks run eagerly in tests
    assert len([m for m in mail.outbox if m.to == [contact.referrer_email]]) == 1


def test_feedback_is_recorded_on_the_contact_and_in_the_record_of_sharing(
    analysed_contact, decide, staff
):
    contact = analysed_contact()
    decision = decide(contact)
    assert decision.feedback_status == FeedbackStatus.SENT
    assert decision.feedback_sent_at is not None
    record = SharingRecord.objects.get(kind=DisclosureKind.REFERRER_FEEDBACK)
    assert record.to_description == contact.referrer_email
    assert record.contact_id == contact.pk
    assert record.shared_by == staff["pm"]
    assert record.record_id == str(decision.pk)
    assert record.article6  # a lawful basis on every disclosure
    assert not record.special_category and not record.criminal_offence


def test_no_email_address_no_email(analysed_contact, decide):
    contact = analysed_contact(referrer_email="")
    decision = decide(contact)
    assert decision.feedback_status == FeedbackStatus.NO_EMAIL
    assert decision.feedback_sent_at is None
    assert not OutboxMessage.objects.filter(kind="referrer_feedback").exists()
    assert not SharingRecord.objects.filter(kind=DisclosureKind.REFERRER_FEEDBACK).exists()
    assert all(m.to != [""] for m in mail.outbox)


def test_handover_notice_through_the_outbox(analysed_contact, decide, teams):
    team = teams["ASSESSMENT"]
    team.email = "assessment@example.org"
    team.save(update_fields=["email"])
    contact = analysed_contact()
    decide(contact)
    notice = OutboxMessage.objects.get(kind="handover_notice")
    assert notice.recipient == "assessment@example.org"
    assert contact.reference in notice.subject
    assert contact.people(manager="unscoped").get().surname not in notice.body


def _restrict_processing(contact, by):
    from django.utils import timezone

    from openmash.contacts.models import ContactPerson
    from openmash.governance.models import ProcessingRestriction

    person = ContactPerson.unscoped.filter(contact=contact).first().person
    return ProcessingRestriction.unscoped.create(
        person=person, ground="accuracy", started_at=timezone.now(), started_by=by
    )


def test_no_feedback_while_processing_is_restricted(analysed_contact, decide, staff):
    """UK GDPR Art 18: the decision stands; the email to the referrer is withheld."""
    contact = analysed_contact()
    _restrict_processing(contact, staff["pm"])
    decision = decide(contact)
    assert decision.feedback_status == FeedbackStatus.RESTRICTED
    assert decision.feedback_sent_at is None
    assert not OutboxMessage.objects.filter(kind="referrer_feedback").exists()
    assert not SharingRecord.objects.filter(kind=DisclosureKind.REFERRER_FEEDBACK).exists()
    assert [m for m in mail.outbox if m.to == [contact.referrer_email]] == []


def test_the_decide_page_warns_and_says_the_feedback_was_withheld(
    analysed_contact, staff, teams, signed_in
):
    from django.urls import reverse

    contact = analysed_contact()
    restriction = _restrict_processing(contact, staff["pm"])
    client = signed_in(staff["pm"])
    url = reverse("decisions:decide", args=[contact.pk])
    page = client.get(url).content.decode()
    assert "Processing of " in page and "data is restricted (since " in page
    assert restriction.person.full_name in page
    response = client.post(
        url,
        {
            "outcome": Outcome.STRATEGY_S47,
            "rationale": "Synthetic rationale.",
            "receiving_team": teams["ASSESSMENT"].pk,
            "version": contact.version,
        },
        follow=True,
    )
    body = response.content.decode()
    assert "the outcome was not emailed to the referrer" in body
    # The receiving team is warned too: the handover is kept (Art 18(2)), nothing new is done.
    summary = client.get(reverse("decisions:summary", args=[contact.pk])).content.decode()
    assert "data is restricted (since " in summary
    assert restriction.person.full_name in summary
