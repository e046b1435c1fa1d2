"""Analysis and decision pages: who may use them, what they show, and how a conflict looks."""

import re

import pytest
from django.urls import reverse

from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts.models import Contact, ContactStatus
from openmash.decisions.codes import Outcome
from openmash.decisions.models import Analysis, Decision
from openmash.decisions.services import contact_decide
from openmash.enquiries.models import EnquiryStatus
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord

pytestmark = pytest.mark.django_db


def _url(name, contact):
    return reverse(f"decisions:{name}", kwargs={"contact_id": contact.pk})


def _decided(contact, staff, team, outcome=Outcome.STRATEGY_S47):
    return contact_decide(
        contact,
        actor=staff["pm"],
        outcome=outcome,
        rationale="Synthetic rationale: threshold met for a strategy discussion.",
        receiving_team=team,
        expected_version=contact.version,
    )


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "analysis", "decide", "summary"),
    [
        ("sw", 200, 403, 200),
        ("pm", 403, 200, 200),
        ("rio", 403, 403, 200),
        ("police", 403, 403, 403),
        ("housing", 403, 403, 403),
        ("dpo", 403, 403, 403),
        # Early help can read contacts, but this handover went to the Assessment team.
        ("eh", 403, 403, 404),
    ],
)
def test_role_access(
    who, analysis, decide, summary, ready_contact, analysed_contact, staff, teams, signed_in
):
    client = signed_in(staff[who])
    assert client.get(_url("analysis", ready_contact())).status_code == analysis
    assert client.get(_url("decide", analysed_contact())).status_code == decide
    decided = analysed_contact()
    _decided(decided, staff, teams["ASSESSMENT"])
    assert client.get(_url("summary", decided)).status_code == summary
    assert client.get(_url("summary_pdf", decided)).status_code == summary


def test_unknown_contact_is_not_found(staff, signed_in):
    import uuid

    fake = Contact(pk=uuid.uuid4())
    assert signed_in(staff["sw"]).get(_url("analysis", fake)).status_code == 404
    assert signed_in(staff["pm"]).get(_url("decide", fake)).status_code == 404
    assert signed_in(staff["pm"]).get(_url("summary", fake)).status_code == 404


def test_signed_out_users_go_to_sign_in(ready_contact, client):
    response = client.get(_url("analysis", ready_contact()))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- analysis ----------------------------------------------------------------------------------


def test_analysis_page_shows_every_response_and_logs_the_view(ready_contact, staff, signed_in):
    contact = ready_contact(agency_codes=("POLICE", "HEALTH"))
    child = contact.people(manager="unscoped").get()
    response = signed_in(staff["sw"]).get(_url("analysis", contact))
    content = response.content.decode()
    assert response.status_code == 200
    assert child.surname in content
    assert "Police" in content and "Health" in content
    for request in contact.enquiry.requests(manager="unscoped").all():
        assert request.risk_factors in content
    assert f'name="version" value="{contact.version}"' in content
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(
        kind="access", actor=staff["sw"], target_id=str(contact.pk), person_id=child.person_id
    ).exists()


def test_analysis_recorded_through_the_form(ready_contact, staff, signed_in):
    contact = ready_contact()
    response = signed_in(staff["sw"]).post(
        _url("analysis", contact),
        {
            "analysis": "Both agencies report escalating incidents.",
            "recommendation": Outcome.STRATEGY_S47,
            "recommendation_rationale": "Risk of significant harm.",
            "version": contact.version,
        },
    )
    assert response.status_code == 302
    assert Contact.unscoped.get(pk=contact.pk).status == ContactStatus.ANALYSED
    assert Analysis.unscoped.get(contact=contact).recommendation == Outcome.STRATEGY_S47


def test_analysis_form_errors_are_summarised(ready_contact, staff, signed_in):
    contact = ready_contact()
    response = signed_in(staff["sw"]).post(
        _url("analysis", contact), {"analysis": "", "version": contact.version}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert 'href="#id_analysis"' in content
    assert "Enter the analysis of the information gathered" in content
    assert 'href="#id_recommendation_1"' in content


def test_analysis_not_offered_while_responses_are_outstanding(ready_contact, staff, signed_in):
    contact = ready_contact(enquiry_status=EnquiryStatus.OPEN)
    content = signed_in(staff["sw"]).get(_url("analysis", contact)).content.decode()
    assert "still waiting for agency responses" in content
    assert 'name="analysis"' not in content


def test_stale_analysis_is_a_conflict_and_keeps_the_text(ready_contact, staff, signed_in):
    contact = ready_contact()
    stale = contact.version
    Contact.unscoped.filter(pk=contact.pk).update(version=stale + 1)
    response = signed_in(staff["sw"]).post(
        _url("analysis", contact),
        {
            "analysis": "My careful synthetic analysis.",
            "recommendation": Outcome.NFA,
            "version": stale,
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in content
    assert "My careful synthetic analysis." in content
    assert not Analysis.unscoped.exists()


# --- decision ----------------------------------------------------------------------------------


def test_decide_page_preselects_the_recommendation_and_lists_handover_teams(
    analysed_contact, staff, signed_in
):
    contact = analysed_contact()
    content = signed_in(staff["pm"]).get(_url("decide", contact)).content.decode()
    checked = re.findall(r'value="(\w+)"\s*checked="checked"', content)
    assert checked == [Outcome.STRATEGY_S47]
    assert "Assessment team" in content
    assert "Single Point of Access" not in content  # does not take handovers
    assert "The MASH social worker recommends" in content


def test_decision_recorded_through_the_form(analysed_contact, staff, teams, signed_in):
    contact = analysed_contact()
    response = signed_in(staff["pm"]).post(
        _url("decide", contact),
        {
            "outcome": Outcome.STRATEGY_S47,
            "rationale": "Threshold met.",
            "receiving_team": teams["ASSESSMENT"].pk,
            "version": contact.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("decisions:awaiting")
    decision = Decision.unscoped.get(contact=contact)
    assert decision.outcome == Outcome.STRATEGY_S47 and decision.is_referral


def test_missing_team_is_shown_against_the_team_field(analysed_contact, staff, signed_in):
    contact = analysed_contact()
    response = signed_in(staff["pm"]).post(
        _url("decide", contact),
        {"outcome": Outcome.ASSESSMENT_S17, "rationale": "Needs assessment.", "version": 2},
    )
    content = response.content.decode()
    assert 'href="#id_receiving_team"' in content
    assert "Select the team to pass the child to" in content
    assert "Needs assessment." in content


def test_second_practice_manager_sees_what_the_first_decided(
    analysed_contact, staff, teams, signed_in
):
    contact = analysed_contact()
    # Both open the page at the same version (the form carries it, not the session).
    for manager in (staff["pm"], staff["pm2"]):
        assert (
            f'name="version" value="{contact.version}"'
            in signed_in(manager).get(_url("decide", contact)).content.decode()
        )
    signed_in(staff["pm"]).post(
        _url("decide", contact),
        {
            "outcome": Outcome.STRATEGY_S47,
            "rationale": "First manager's rationale.",
            "receiving_team": teams["ASSESSMENT"].pk,
            "version": contact.version,
        },
    )
    response = signed_in(staff["pm2"]).post(
        _url("decide", contact),
        {
            "outcome": Outcome.NFA,
            "rationale": "Second manager's rationale, not lost.",
            "version": contact.version,
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    start = content.index("govuk-error-summary")
    summary = content[start : content.index("</ul>", start)]
    assert staff["pm"].get_full_name() in summary
    assert "Strategy discussion (s47)" in summary
    assert "has not been saved" in summary
    assert "Second manager&#x27;s rationale, not lost." in content
    assert "First manager&#x27;s rationale." in content  # their decision, shown below
    assert Decision.unscoped.get(contact=contact).decided_by == staff["pm"]


def test_decided_contact_shows_the_decision_without_a_form(
    analysed_contact, staff, teams, signed_in
):
    contact = analysed_contact()
    _decided(contact, staff, teams["ASSESSMENT"])
    content = signed_in(staff["pm2"]).get(_url("decide", contact)).content.decode()
    assert "This contact was decided on" in content
    assert 'name="rationale"' not in content


# --- handover summary --------------------------------------------------------------------------


def test_summary_viewing_is_logged_not_a_new_disclosure(analysed_contact, staff, teams, signed_in):
    contact = analysed_contact()
    _decided(contact, staff, teams["ASSESSMENT"])
    child = contact.people(manager="unscoped").get()
    client = signed_in(staff["pm2"])
    response = client.get(_url("summary", contact))
    content = response.content.decode()
    assert response.status_code == 200
    assert child.forename in content and child.surname in content
    assert "Agency responses" in content and "Synthetic rationale" in content
    client.get(_url("summary", contact))
    client.get(_url("summary_pdf", contact))
    handovers = SharingRecord.objects.filter(contact=contact, kind=DisclosureKind.HANDOVER_SUMMARY)
    assert handovers.count() == 1  # recorded once, by the decision
    seal_pending()  # views are staged until sealed (ADR 0008)
    views = AuditEntry.objects.filter(kind="access", actor=staff["pm2"], target_id=str(contact.pk))
    assert views.filter(verb="viewed").count() == 2
    assert views.filter(verb="downloaded").count() == 1


def test_receiving_team_member_reads_the_summary_with_every_response(
    analysed_contact, staff, teams, signed_in
):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"))
    _decided(contact, staff, teams["EARLY_HELP"], outcome=Outcome.EARLY_HELP_3)
    eh = staff["eh"]
    eh.team = teams["EARLY_HELP"]
    eh.save(update_fields=["team"])
    content = signed_in(eh).get(_url("summary", contact)).content.decode()
    assert "Police" in content and "Health" in content
    police = contact.enquiry.requests(manager="unscoped").get(agency__code="POLICE")
    assert police.risk_factors in content


def test_no_summary_without_a_handover(analysed_contact, staff, signed_in):
    contact = analysed_contact()
    _decided(contact, staff, None, outcome=Outcome.NFA)
    assert signed_in(staff["pm"]).get(_url("summary", contact)).status_code == 404


def test_summary_pdf_download(analysed_contact, staff, teams, signed_in):
    contact = analysed_contact()
    _decided(contact, staff, teams["ASSESSMENT"])
    response = signed_in(staff["pm"]).get(_url("summary_pdf", contact))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert contact.reference in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")


# --- partner outcomes --------------------------------------------------------------------------


def test_partner_sees_outcomes_of_enquiries_it_answered_only(
    analysed_contact, staff, teams, signed_in
):
    answered = analysed_contact(agency_codes=("POLICE",))
    _decided(answered, staff, teams["ASSESSMENT"])
    not_asked = analysed_contact(agency_codes=("HEALTH",))
    _decided(not_asked, staff, teams["ASSESSMENT"], outcome=Outcome.ASSESSMENT_S17)
    response = signed_in(staff["police"]).get(reverse("decisions:outcomes"))
    content = response.content.decode()
    assert response.status_code == 200
    assert answered.reference in content
    assert "Strategy discussion (s47)" in content
    assert not_asked.reference not in content
    # Reference, outcome and date only: no names, narrative or rationale.
    child = answered.people(manager="unscoped").get()
    assert child.surname not in content
    assert answered.narrative not in content
    assert "Synthetic rationale" not in content


def test_outcomes_page_is_for_partners(staff, signed_in):
    assert signed_in(staff["pm"]).get(reverse("decisions:outcomes")).status_code == 403
    assert signed_in(staff["dpo"]).get(reverse("decisions:outcomes")).status_code == 403


def test_navigation_entries(staff, signed_in):
    pm_home = signed_in(staff["pm"]).get(reverse("home")).content.decode()
    assert reverse("decisions:awaiting") in pm_home and reverse("decisions:today") in pm_home
    sw_home = signed_in(staff["sw"]).get(reverse("home")).content.decode()
    assert reverse("decisions:today") in sw_home and reverse("decisions:awaiting") not in sw_home
    police_home = signed_in(staff["police"]).get(reverse("home")).content.decode()
    assert reverse("decisions:outcomes") in police_home
    assert reverse("decisions:awaiting") not in police_home


def test_a_missing_version_is_explained_not_ignored(analysed_contact, staff, signed_in):
    contact = analysed_contact()
    response = signed_in(staff["pm"]).post(
        _url("decide", contact), {"outcome": Outcome.NFA, "rationale": "Synthetic."}
    )
    content = response.content.decode()
    assert "This page is out of date" in content
    assert "govuk-error-summary" in content
    assert not Decision.unscoped.filter(contact=contact).exists()
