"""The analysis and decision panel the contact page includes."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from openmash.decisions.codes import Outcome
from openmash.decisions.services import contact_decide

pytestmark = pytest.mark.django_db


def _render(contact, user):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load decisions_tags %}{% contact_decision contact %}")
    return template.render(Context({"contact": contact, "user": user, "request": request}))


def test_ready_enquiry_offers_the_analysis_to_the_social_worker_only(ready_contact, staff):
    contact = ready_contact()
    assert "Record analysis" in _render(contact, staff["sw"])
    assert "Record analysis" not in _render(contact, staff["pm"])


def test_analysed_contact_offers_the_decision_to_the_practice_manager(analysed_contact, staff):
    contact = analysed_contact()
    html = _render(contact, staff["pm"])
    assert "Decide the outcome" in html
    assert contact.analysis.analysis[:30] in html
    assert "Decide the outcome" not in _render(contact, staff["sw"])


def test_decided_contact_shows_outcome_handover_and_feedback(analysed_contact, staff, teams):
    contact = analysed_contact()
    contact_decide(
        contact,
        actor=staff["pm"],
        outcome=Outcome.STRATEGY_S47,
        rationale="Synthetic rationale.",
        receiving_team=teams["ASSESSMENT"],
        expected_version=contact.version,
    )
    html = _render(contact, staff["sw"])
    assert "Strategy discussion (s47)" in html
    assert "Summary shared with Assessment team" in html
    assert "Read the handover summary" in html
    assert "Feedback to the referrer" in html and "Emailed on" in html


def test_no_email_is_shown_on_the_contact(staff):
    from .factories import ContactFactory

    contact = ContactFactory(referrer_email="", route="nfa")
    contact_decide(
        contact,
        actor=staff["pm"],
        outcome=Outcome.NFA,
        rationale="Synthetic.",
        receiving_team=None,
        expected_version=contact.version,
        via_screening=True,
    )
    assert "No email address given" in _render(contact, staff["pm"])


def test_partner_sees_nothing_of_the_analysis(analysed_contact, staff):
    contact = analysed_contact()
    html = _render(contact, staff["police"])
    assert contact.analysis.analysis[:30] not in html
    assert "Decide the outcome" not in html


def test_decision_events_for_the_timeline(analysed_contact, staff, teams):
    from openmash.decisions.selectors import decision_events

    contact = analysed_contact(referrer_email="")
    decision = contact_decide(
        contact,
        actor=staff["pm"],
        outcome=Outcome.ASSESSMENT_S17,
        rationale="Synthetic.",
        receiving_team=teams["ASSESSMENT"],
        expected_version=contact.version,
    )
    events = decision_events(decision)
    assert [(title, detail) for _, title, detail in events] == [
        ("Handover summary shared", "With Assessment team"),
        ("No feedback sent to the referrer", "No email address given"),
    ]
    assert all(when == decision.decided_at for when, _, _ in events)
