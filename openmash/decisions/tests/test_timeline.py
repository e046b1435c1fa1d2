"""What a decision caused appears on the contact's timeline."""

import pytest

from openmash.contacts.selectors import contact_timeline
from openmash.decisions.codes import Outcome

from .test_services import _decide

pytestmark = pytest.mark.django_db


def test_timeline_shows_the_handover_and_feedback_of_a_decision(analysed_contact, staff, teams):
    contact = analysed_contact(referrer_email="referrer@example.org")
    _decide(
        contact,
        staff["pm"],
        outcome=Outcome.STRATEGY_S47,
        rationale="Significant harm.",
        receiving_team=teams["ASSESSMENT"],
    )
    titles = [event.title for event in contact_timeline(staff["pm"], contact)]
    assert "Decision" in titles
    assert "Handover summary shared" in titles
    assert "Feedback emailed to the referrer" in titles


def test_timeline_says_why_no_feedback_was_sent(analysed_contact, staff):
    contact = analysed_contact(referrer_email="")
    _decide(contact, staff["pm"])
    events = {event.title: event for event in contact_timeline(staff["pm"], contact)}
    assert events["No feedback sent to the referrer"].detail == "No email address given"
