"""The front door end to end in Chromium, across five members of staff, each signing in with
their password and authenticator code through the real pages:

1. the referral and information officer records a Red contact (immediate risk) with a child
   and a parent;
2. the practice manager screens it: Red, level 4, MASH enquiry to police and health;
3. the police practitioner answers from "Requests to my agency" — and cannot open the health
   request, nor read the referral narrative;
4. the health practitioner answers — and never sees the police answer;
5. the MASH social worker records the analysis;
6. the practice manager decides "Strategy discussion (s47)" and hands over to a team.

Every page visited is checked with axe (no violations allowed) and photographed, in order, into
test-artifacts/journey/ (gitignored) for a person to look through.
"""

import re
from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import Page, expect

from openmash.accounts.roles import Role
from openmash.contacts.models import Contact, ContactStatus
from openmash.decisions.models import Decision
from openmash.enquiries.models import InformationRequest

from .conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user
JOURNEY = ARTIFACTS / "journey"

# Synthetic family (not real people) and text that must stay where it belongs.
CHILD = ("Ellis", "Marchbank")
PARENT = ("Dana", "Marchbank")
NARRATIVE = "Caller heard a child screaming and a man shouting threats at the flat tonight."
POLICE_SUMMARY = "Three domestic incidents at the address since March; partner on bail."
HEALTH_SUMMARY = "Missed two health visitor appointments; A&E attendance for a bruised arm."


def _with_totp(user):
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


@pytest.fixture
def staff(transactional_db, make_user):
    def user(role, username, agency="CSC"):
        return _with_totp(make_user(role, agency=agency, username=username))

    return {
        "rio": user(Role.REFERRAL_OFFICER, "rio.journey"),
        "pm": user(Role.PRACTICE_MANAGER, "pm.journey"),
        "police": user(Role.PARTNER_PRACTITIONER, "police.journey", "POLICE"),
        "health": user(Role.PARTNER_PRACTITIONER, "health.journey", "HEALTH"),
        "sw": user(Role.MASH_SOCIAL_WORKER, "sw.journey"),
    }


class Journey:
    """Signs people in and out, and checks and photographs every page on the way."""

    def __init__(self, page: Page, base: str, axe_check):
        self.page, self.base, self.axe_check = page, base, axe_check
        self.step = 0
        JOURNEY.mkdir(parents=True, exist_ok=True)
        for old in JOURNEY.glob("*.png"):
            old.unlink()

    def seen(self, label: str) -> None:
        """axe-check the page now shown and save its screenshot as the next step."""
        self.axe_check(self.page)
        self.step += 1
        self.page.screenshot(path=JOURNEY / f"{self.step:02d}-{label}.png", full_page=True)

    def sign_in_as(self, user, who: str) -> None:
        if self.step:
            self.page.get_by_role("button", name="Sign out").click()
            expect(self.page).to_have_url(re.compile(r"/accounts/login/"))
        sign_in(self.page, self.base, user.username, PASSWORD, user.totp_secret)
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Your work")
        self.seen(f"{who}-home")

    def success(self, text: str) -> None:
        expect(self.page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def test_red_contact_from_recording_to_a_strategy_discussion(live_server, page, staff, axe_check):
    journey = Journey(page, live_server.url, axe_check)
    main = page.locator("main")

    # 1. The referral and information officer records the phone call.
    journey.sign_in_as(staff["rio"], "rio")
    page.get_by_role("link", name="Record a contact").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")
    journey.seen("rio-record-contact")

    received = timezone.localtime() - timedelta(minutes=20)
    page.get_by_label("Phone", exact=True).check()
    when = page.get_by_role("group", name="Date received")
    when.get_by_label("Day").fill(str(received.day))
    when.get_by_label("Month").fill(str(received.month))
    when.get_by_label("Year").fill(str(received.year))
    page.get_by_label("Time received").fill(received.strftime("%H:%M"))
    page.get_by_label("A child is at immediate risk of significant harm").check()
    page.get_by_label("Referrer's name (optional)").fill("Sam Neighbour")
    page.get_by_label("Relationship to the child (optional)").first.fill("Neighbour")
    page.get_by_label("Referral source").select_option(
        label="Individual – acquaintance (including neighbours and child minders)"
    )
    child = page.get_by_role("group", name="Person 1")
    child.get_by_label("Role").select_option(label="Child the concern is about")
    child.get_by_label("First name").fill(CHILD[0])
    child.get_by_label("Last name").fill(CHILD[1])
    born = child.get_by_role("group", name="Date of birth (optional)")
    born.get_by_label("Day").fill("14")
    born.get_by_label("Month").fill("6")
    born.get_by_label("Year").fill(str(received.year - 6))
    page.get_by_role("button", name="Add another person").click()
    parent = page.get_by_role("group", name="Person 2")
    expect(parent).to_be_visible()
    expect(child.get_by_label("First name")).to_have_value(CHILD[0])
    parent.get_by_label("Role").select_option(label="Parent or carer")
    parent.get_by_label("First name").fill(PARENT[0])
    parent.get_by_label("Last name").fill(PARENT[1])
    parent.get_by_label("Relationship to the child (optional)").fill("Mother")
    page.get_by_label("Domestic abuse").check()
    page.get_by_label("What has happened, and why is the referrer worried?").fill(NARRATIVE)
    page.get_by_label("Consent not sought").check()
    page.get_by_label("Why was consent refused or not sought?").fill(
        "Asking the family could put the child at greater risk tonight."
    )
    journey.seen("rio-record-contact-filled")
    page.get_by_role("button", name="Record contact").click()

    journey.success("recorded")
    contact = Contact.unscoped.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(contact.reference)
    assert contact.immediate_risk and contact.status == ContactStatus.RECORDED
    journey.seen("rio-contact-recorded")

    # 2. The practice manager screens it from the "to screen" queue.
    journey.sign_in_as(staff["pm"], "pm")
    page.get_by_role("link", name="Contacts").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("To screen")
    expect(page.locator("tbody")).to_contain_text("Immediate risk")
    journey.seen("pm-to-screen-queue")
    page.get_by_role("link", name=contact.reference).click()
    expect(page.get_by_role("heading", name="Screen this contact")).to_be_visible()
    journey.seen("pm-contact-to-screen")

    page.get_by_role("group", name="RAG rating").get_by_label("Red").check()
    page.get_by_label("Level 4 – child in need or child protection").check()
    page.get_by_label("MASH enquiry", exact=True).check()
    page.get_by_label("Rationale").fill(
        "Immediate risk reported tonight; police and health information needed before deciding."
    )
    agencies = page.get_by_role("group", name="Agencies to ask for information")
    for box in agencies.get_by_role("checkbox").all():
        box.uncheck()
    agencies.get_by_label("Police", exact=True).check()
    page.get_by_label("Question for Police").fill("What is known about the adults at the address?")
    agencies.get_by_label("Health", exact=True).check()
    page.get_by_label("Question for Health").fill("Is the child known to health services?")
    journey.seen("pm-screening-filled")
    page.get_by_role("button", name="Save screening").click()
    journey.success("MASH enquiry opened")
    journey.seen("pm-screened")
    police_request = InformationRequest.unscoped.get(agency__code="POLICE")
    health_request = InformationRequest.unscoped.get(agency__code="HEALTH")

    # 3. The police practitioner answers; the health request and the narrative stay hidden.
    journey.sign_in_as(staff["police"], "police")
    page.get_by_role("link", name="Requests to my agency").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests to my agency")
    expect(page.locator("tbody tr")).to_have_count(1)
    journey.seen("police-requests")
    page.get_by_role("link", name=contact.reference).click()
    expect(main).to_contain_text("What is known about the adults at the address?")
    expect(main).to_contain_text(f"{CHILD[0]} {CHILD[1]}")
    expect(main).not_to_contain_text(NARRATIVE)
    expect(main).not_to_contain_text("Is the child known to health services?")
    journey.seen("police-request")

    page.get_by_label("Known to the agency", exact=True).check()
    page.get_by_label("Summary of what your agency holds").fill(POLICE_SUMMARY)
    page.get_by_label("Risk factors").fill("Escalating incidents; threats to kill recorded.")
    page.get_by_label("Protective factors").fill("Mother engaged with the domestic abuse officer.")
    page.get_by_label("Systems searched").fill("Police national computer, local command system")
    page.get_by_label("Why what you share is necessary, proportionate and relevant").fill(
        "Directly relevant to the risk to the child at the address."
    )
    page.get_by_role("button", name="Send response to the MASH").click()
    journey.success("sent")
    journey.seen("police-responded")

    response = page.goto(f"{live_server.url}/enquiries/requests/{health_request.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(main).not_to_contain_text("Is the child known to health services?")
    journey.seen("police-health-request-not-found")
    response = page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    assert response.status == 403, "partners never open children's social care's contact page"
    expect(main).not_to_contain_text(NARRATIVE)
    journey.seen("police-contact-page-refused")

    # 4. The health practitioner answers, without ever seeing the police answer.
    page.goto(f"{live_server.url}/")
    journey.sign_in_as(staff["health"], "health")
    page.get_by_role("link", name="Requests to my agency").first.click()
    expect(page.locator("tbody tr")).to_have_count(1)
    journey.seen("health-requests")
    page.get_by_role("link", name=contact.reference).click()
    expect(main).to_contain_text("Is the child known to health services?")
    expect(main).not_to_contain_text(POLICE_SUMMARY)
    expect(main).not_to_contain_text(NARRATIVE)
    journey.seen("health-request")
    page.get_by_label("Known to the agency", exact=True).check()
    page.get_by_label("Summary of what your agency holds").fill(HEALTH_SUMMARY)
    page.get_by_label("Risk factors").fill("Unexplained bruising; missed appointments.")
    page.get_by_label("Systems searched").fill("GP record, acute trust, health visiting")
    page.get_by_role("button", name="Send response to the MASH").click()
    journey.success("sent")
    expect(main).to_contain_text(HEALTH_SUMMARY)
    expect(main).not_to_contain_text(POLICE_SUMMARY)
    journey.seen("health-responded")
    response = page.goto(f"{live_server.url}/enquiries/requests/{police_request.pk}/")
    assert response.status == 404
    expect(main).not_to_contain_text(POLICE_SUMMARY)
    journey.seen("health-police-request-not-found")

    # 5. The MASH social worker reads both answers and records the analysis.
    page.goto(f"{live_server.url}/")
    journey.sign_in_as(staff["sw"], "sw")
    page.get_by_role("link", name="Enquiries").first.click()
    journey.seen("sw-open-enquiries")
    page.get_by_role("link", name="Awaiting analysis").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Awaiting analysis")
    journey.seen("sw-awaiting-analysis")
    page.get_by_role("link", name=contact.reference).click()
    expect(main).to_contain_text(POLICE_SUMMARY)
    expect(main).to_contain_text(HEALTH_SUMMARY)
    journey.seen("sw-enquiry")
    page.get_by_role("button", name="Record the analysis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Analysis and recommendation")
    journey.seen("sw-analysis-form")
    page.get_by_label("Analysis of the information gathered").fill(
        "Police and health information together show escalating domestic abuse and an "
        "unexplained injury to a six-year-old: likely significant harm."
    )
    page.get_by_label("Strategy discussion (s47)").check()
    page.get_by_label("Why you recommend this outcome (optional)").fill(
        "Threshold for section 47 enquiries is met."
    )
    page.get_by_role("button", name="Record analysis").click()
    journey.success("awaiting the practice manager's decision")
    journey.seen("sw-analysed")

    # 6. The practice manager decides: strategy discussion, handed to the Assessment team.
    journey.sign_in_as(staff["pm"], "pm-again")
    page.get_by_role("link", name="Awaiting decision").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Awaiting decision")
    journey.seen("pm-awaiting-decision")
    page.get_by_role("link", name=re.compile(re.escape(contact.reference))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide the outcome")
    expect(main).to_contain_text("The MASH social worker recommends: Strategy discussion (s47)")
    journey.seen("pm-decide-form")
    page.get_by_label("Strategy discussion (s47)").check()
    page.get_by_label("Rationale").fill(
        "Agree with the analysis: convene a strategy discussion today with police and health."
    )
    page.get_by_label("Receiving team").select_option(label="Assessment team")
    page.get_by_role("button", name="Record decision").click()
    journey.success("Strategy discussion (s47)")
    journey.seen("pm-decided")

    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    expect(main).to_contain_text("Summary shared with Assessment team")
    journey.seen("pm-contact-decided")
    page.get_by_role("link", name="Read the handover summary").click()
    expect(main).to_contain_text(POLICE_SUMMARY)
    journey.seen("pm-handover-summary")

    decision = Decision.unscoped.get(contact=contact)
    assert decision.outcome == "strategy_s47" and decision.receiving_team.code == "ASSESSMENT"
    contact.refresh_from_db()
    assert contact.status == ContactStatus.DECIDED
