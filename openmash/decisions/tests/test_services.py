"""Analysis and decision services: the rules, conflicts, and what a decision records."""

import threading

import pytest
from django.core import mail
from django.db import connection

from openmash.contacts.models import Contact, ContactStatus
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.decisions.codes import Outcome
from openmash.decisions.models import Analysis, Decision, FeedbackStatus
from openmash.decisions.services import analysis_record, contact_decide
from openmash.enquiries.models import EnquiryStatus, MashEnquiry
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord

from .factories import ContactFactory, ContactPersonFactory

pytestmark = pytest.mark.django_db


def _analyse(contact, actor, **overrides):
    kwargs = {
        "actor": actor,
        "expected_version": contact.version,
        "analysis": "Police and health both hold relevant information.",
        "recommendation": Outcome.STRATEGY_S47,
        "recommendation_rationale": "Risk of significant harm.",
    }
    kwargs.update(overrides)
    return analysis_record(contact, **kwargs)


def _decide(contact, actor, **overrides):
    kwargs = {
        "actor": actor,
        "outcome": Outcome.NFA,
        "rationale": "No role for children's social care.",
        "receiving_team": None,
        "expected_version": contact.version,
    }
    kwargs.update(overrides)
    return contact_decide(contact, **kwargs)


# --- analysis_record ---------------------------------------------------------------------------


def test_analysis_moves_a_ready_enquiry_and_its_contact_to_analysed(ready_contact, staff):
    contact = ready_contact()
    version = contact.version
    analysis = _analyse(contact, staff["sw"])

    contact.refresh_from_db()
    assert contact.status == ContactStatus.ANALYSED
    assert contact.version == version + 1
    assert Analysis.unscoped.get(contact=contact) == analysis
    assert analysis.analysed_by == staff["sw"]
    assert MashEnquiry.unscoped.get(contact=contact).status == EnquiryStatus.ANALYSED


def test_analysis_refused_while_responses_are_outstanding(ready_contact, staff):
    contact = ready_contact(enquiry_status=EnquiryStatus.OPEN)
    with pytest.raises(TransitionNotAllowed, match="still waiting for agency responses"):
        _analyse(contact, staff["sw"])
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ENQUIRY
    assert not Analysis.unscoped.exists()


def test_analysis_needs_the_analyse_capability(ready_contact, staff):
    contact = ready_contact()
    for user in (staff["pm"], staff["rio"], staff["police"], staff["dpo"]):
        with pytest.raises(NotPermitted):
            _analyse(contact, user)


def test_analysis_needs_text_and_a_recommendation(ready_contact, staff):
    contact = ready_contact()
    with pytest.raises(DomainError, match="analysis"):
        _analyse(contact, staff["sw"], analysis="   ")
    with pytest.raises(DomainError, match="recommended outcome"):
        _analyse(contact, staff["sw"], recommendation="made_up")


def test_analysis_on_a_stale_page_is_a_conflict(ready_contact, staff):
    contact = ready_contact()
    stale = contact.version
    _analyse(contact, staff["sw"])
    with pytest.raises(ConflictError):
        _analyse(Contact.unscoped.get(pk=contact.pk), staff["sw"], expected_version=stale)
    assert Analysis.unscoped.count() == 1


# --- contact_decide ----------------------------------------------------------------------------


def test_decision_after_analysis(analysed_contact, staff, teams):
    contact = analysed_contact()
    version = contact.version
    decision = _decide(
        contact,
        staff["pm"],
        outcome=Outcome.STRATEGY_S47,
        rationale="Threshold for s47 met.",
        receiving_team=teams["ASSESSMENT"],
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.DECIDED
    assert contact.version == version + 1
    assert contact.decided_at == decision.decided_at
    assert decision.outcome == Outcome.STRATEGY_S47
    assert decision.is_referral is True
    assert decision.decided_by == staff["pm"]
    assert decision.receiving_team == teams["ASSESSMENT"]
    assert decision.handed_over_at == decision.decided_at


@pytest.mark.parametrize(
    ("outcome", "is_referral"),
    [
        (Outcome.ASSESSMENT_S17, True),
        (Outcome.STRATEGY_S47, True),
        (Outcome.EARLY_HELP_3, False),
        (Outcome.OPEN_CASE, False),
    ],
)
def test_is_referral_follows_the_outcome(analysed_contact, staff, teams, outcome, is_referral):
    decision = _decide(
        analysed_contact(), staff["pm"], outcome=outcome, receiving_team=teams["AREA_NORTH"]
    )
    assert decision.is_referral is is_referral


def test_screening_decides_a_recorded_contact(staff):
    contact = ContactFactory(route="signpost")
    decision = _decide(contact, staff["pm"], outcome=Outcome.SIGNPOST, via_screening=True)
    assert decision.is_referral is False
    assert Contact.unscoped.get(pk=contact.pk).status == ContactStatus.DECIDED


def test_screening_cannot_decide_a_contact_in_an_enquiry(ready_contact, staff):
    with pytest.raises(TransitionNotAllowed, match="screening"):
        _decide(ready_contact(), staff["pm"], via_screening=True)


def test_decide_form_cannot_skip_the_analysis(ready_contact, staff):
    with pytest.raises(TransitionNotAllowed, match="analysis"):
        _decide(ready_contact(), staff["pm"])
    with pytest.raises(TransitionNotAllowed):
        _decide(ContactFactory(), staff["pm"])  # recorded: screening's job
    assert not Decision.unscoped.exists()


def test_only_practice_managers_decide(analysed_contact, staff):
    contact = analysed_contact()
    for user in (staff["sw"], staff["rio"], staff["police"], staff["dpo"], staff["eh"]):
        with pytest.raises(NotPermitted):
            _decide(contact, user)
    assert Contact.unscoped.get(pk=contact.pk).status == ContactStatus.ANALYSED


def test_team_rules(analysed_contact, staff, teams):
    contact = analysed_contact()
    with pytest.raises(DomainError, match="Select the team"):
        _decide(contact, staff["pm"], outcome=Outcome.ASSESSMENT_S17)
    with pytest.raises(DomainError, match="does not take handovers"):
        _decide(contact, staff["pm"], outcome=Outcome.ASSESSMENT_S17, receiving_team=teams["SPA"])
    with pytest.raises(DomainError, match="leave the receiving team empty"):
        _decide(contact, staff["pm"], outcome=Outcome.NFA, receiving_team=teams["ASSESSMENT"])
    with pytest.raises(DomainError, match="rationale"):
        _decide(contact, staff["pm"], rationale=" ")
    assert not Decision.unscoped.exists()


def test_second_practice_manager_with_the_same_version_gets_a_clear_conflict(
    analysed_contact, staff, teams
):
    contact = analysed_contact()
    seen_version = contact.version
    # Both practice managers opened the decision page at the same version.
    first = Contact.unscoped.get(pk=contact.pk)
    second = Contact.unscoped.get(pk=contact.pk)
    _decide(
        first,
        staff["pm"],
        outcome=Outcome.STRATEGY_S47,
        receiving_team=teams["ASSESSMENT"],
        expected_version=seen_version,
    )
    with pytest.raises(ConflictError) as excinfo:
        _decide(second, staff["pm2"], outcome=Outcome.NFA, expected_version=seen_version)

    message = str(excinfo.value)
    assert staff["pm"].get_full_name() in message
    assert "Strategy discussion (s47)" in message
    assert "Assessment team" in message
    assert "has not been saved" in message
    decision = Decision.unscoped.get(contact=contact)
    assert decision.outcome == Outcome.STRATEGY_S47  # never silently overwritten
    assert decision.decided_by == staff["pm"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite ignores them)"
)
def test_two_practice_managers_deciding_at_once_one_wins_one_conflicts(
    analysed_contact, staff, teams
):
    contact = analysed_contact()
    seen_version = contact.version
    barrier = threading.Barrier(2)
    results = {}

    def decide(key, outcome, team):
        try:
            barrier.wait()
            results[key] = _decide(
                Contact.unscoped.get(pk=contact.pk),
                staff[key],
                outcome=outcome,
                receiving_team=team,
                expected_version=seen_version,
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[key] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("pm", Outcome.STRATEGY_S47, teams["ASSESSMENT"])),
        threading.Thread(target=decide, args=("pm2", Outcome.NFA, None)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["ConflictError", "Decision"]
    assert Decision.unscoped.filter(contact=contact).count() == 1


# --- what a decision records -------------------------------------------------------------------


def test_decision_records_handover_partner_outcomes_and_feedback(
    analysed_contact, staff, teams, django_capture_on_commit_callbacks
):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    person_ids = {cp.person_id for cp in contact.people(manager="unscoped").all()}
    with django_capture_on_commit_callbacks(execute=True):
        decision = _decide(
            contact,
            staff["pm"],
            outcome=Outcome.STRATEGY_S47,
            receiving_team=teams["ASSESSMENT"],
        )
    records = SharingRecord.objects.filter(contact=contact)
    by_kind = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r)

    (handover,) = by_kind[DisclosureKind.HANDOVER_SUMMARY]
    assert handover.to_team == teams["ASSESSMENT"]
    assert handover.to_agency is None  # within children's social care
    assert handover.special_category and handover.criminal_offence  # police responded
    assert handover.article9 and handover.article10
    assert {p.pk for p in handover.subjects(manager="unscoped").all()} == person_ids

    partners = by_kind[DisclosureKind.OUTCOME_TO_PARTNER]
    assert {r.to_agency.code for r in partners} == {"POLICE", "HEALTH"}

    (feedback,) = by_kind[DisclosureKind.REFERRER_FEEDBACK]
    assert feedback.to_description == contact.referrer_email
    assert feedback.shared_by == staff["pm"]

    decision.refresh_from_db()
    assert decision.feedback_status == FeedbackStatus.SENT
    assert decision.feedback_sent_at == decision.decided_at
    assert [m.to for m in mail.outbox] == [[contact.referrer_email]]


def test_handover_to_another_agency_names_it(analysed_contact, staff, teams):
    contact = analysed_contact(agency_codes=("HEALTH",))
    _decide(contact, staff["pm"], outcome=Outcome.EARLY_HELP_2, receiving_team=teams["EARLY_HELP"])
    handover = SharingRecord.objects.get(contact=contact, kind=DisclosureKind.HANDOVER_SUMMARY)
    assert handover.to_agency.code == "EARLY_HELP"
    assert handover.criminal_offence is False


def test_no_handover_without_a_receiving_team(analysed_contact, staff):
    contact = analysed_contact()
    decision = _decide(contact, staff["pm"], outcome=Outcome.NFA)
    assert decision.handed_over_at is None
    assert not SharingRecord.objects.filter(kind=DisclosureKind.HANDOVER_SUMMARY).exists()


def test_team_inbox_gets_a_pointer_not_the_summary(
    analysed_contact, staff, teams, django_capture_on_commit_callbacks
):
    team = teams["ASSESSMENT"]
    team.email = "assessment-team@example.org"
    team.save(update_fields=["email"])
    contact = analysed_contact()
    child = contact.people(manager="unscoped").get()
    with django_capture_on_commit_callbacks(execute=True):
        _decide(contact, staff["pm"], outcome=Outcome.ASSESSMENT_S17, receiving_team=team)
    (notice,) = [m for m in mail.outbox if m.to == ["assessment-team@example.org"]]
    assert contact.reference in notice.subject
    assert child.surname not in notice.body and child.forename not in notice.body
    assert contact.narrative not in notice.body


def test_no_email_when_the_referrer_gave_none(staff, django_capture_on_commit_callbacks):
    contact = ContactFactory(referrer_email="", route="nfa")
    ContactPersonFactory(contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        decision = _decide(contact, staff["pm"], via_screening=True)
    assert decision.feedback_status == FeedbackStatus.NO_EMAIL
    assert decision.get_feedback_status_display() == "No email address given"
    assert decision.feedback_sent_at is None
    assert mail.outbox == []
    assert not SharingRecord.objects.filter(kind=DisclosureKind.REFERRER_FEEDBACK).exists()


def test_nothing_is_sent_or_recorded_when_the_decision_fails(
    analysed_contact, staff, django_capture_on_commit_callbacks
):
    contact = analysed_contact()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        _decide(contact, staff["pm"], expected_version=contact.version - 1)
    assert mail.outbox == []
    assert not SharingRecord.objects.exists()
