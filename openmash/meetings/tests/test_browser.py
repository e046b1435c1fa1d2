"""A practice manager runs a MASH meeting in Chromium: opens today's 11:30 MASH meeting from
the navigation, starts it, records the Early Help co-ordinator's attendance, records the
outcome for a child (after a validation error), closes the meeting and finds the outcome on the
child's contact page. Every page is checked with axe (no violations allowed) and photographed
into test-artifacts/."""

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from openmash.accounts.roles import Role
from openmash.meetings import services
from openmash.meetings.models import AgendaItem
from tests.browser import conftest as browser_fixtures

from .factories import contact_with_child, enquiry_on, meeting_at

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user
OUTCOME = "Strategy discussion at 14:00 with police and health; chronology by the MASH SW."


@pytest.fixture
def people(transactional_db, make_user):
    pm = make_user(Role.PRACTICE_MANAGER, username="pm.meeting")
    pm.totp_secret = pyotp.random_base32()
    TOTP.activate(pm, pm.totp_secret)
    return {
        "pm": pm,
        "eh": make_user(Role.EARLY_HELP, agency="EARLY_HELP", username="eh.meeting"),
        "police": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE", username="pc.meeting"),
        "police2": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE", username="pc2.meeting"),
        "education": make_user(
            Role.PARTNER_PRACTITIONER, agency="EDUCATION", username="edu.meeting"
        ),
    }


@pytest.fixture
def meeting(people, agencies):
    """Today's 11:30 MASH meeting with one enquiry whose police and health responses are in."""
    contact = contact_with_child(status="enquiry", rag="red", reference="C26-007700")
    enquiry_on(contact, opened_by=people["pm"], agencies=[agencies["POLICE"], agencies["HEALTH"]])
    starts = timezone.localtime().replace(hour=11, minute=30, second=0, microsecond=0)
    meeting = meeting_at("mash_meeting", starts)
    services.agenda_build(meeting, actor=people["pm"])
    return meeting


def test_practice_manager_runs_a_mash_meeting(
    live_server, page, people, meeting, axe_check, screenshot
):
    pm = people["pm"]
    item = AgendaItem.unscoped.select_related("contact").get(meeting=meeting)
    child = item.contact.people(manager="unscoped").get()
    sign_in(page, live_server.url, pm.username, PASSWORD, pm.totp_secret)

    page.get_by_role("link", name="Meetings", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    axe_check(page)
    screenshot("1-meetings")

    page.get_by_role("link", name=re.compile(r"^MASH meeting at 11:30")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MASH meeting, 11:30")
    expect(page.locator("#agenda-table")).to_contain_text("C26-007700")
    expect(page.locator("#agenda-table")).to_contain_text(f"{child.forename} {child.surname}")
    axe_check(page)
    screenshot("2-meeting-planned")

    page.get_by_role("button", name="Start the meeting").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("started")
    axe_check(page)

    # Closing before the Early Help co-ordinator's attendance is recorded is refused.
    page.get_by_role("button", name="Close the meeting").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Early Help co-ordinator")
    axe_check(page)
    screenshot("3-close-refused")

    page.get_by_label("Agency").select_option(label="Early Help")
    page.get_by_label("Member of staff").select_option(
        label=f"{people['eh'].get_full_name()} (Early Help)"
    )
    page.get_by_label("Role (optional)").fill("Early Help co-ordinator")
    page.get_by_label("Present").check()
    page.get_by_role("button", name="Record attendance").click()
    expect(page.locator("#attendance-table")).to_contain_text(people["eh"].get_full_name())
    axe_check(page)
    screenshot("4-attendance")

    page.get_by_role("link", name="Record the outcome for C26-007700").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact C26-007700")
    axe_check(page)
    page.get_by_role("button", name="Save outcome").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the outcome agreed.")
    axe_check(page)
    screenshot("5-outcome-error")

    page.get_by_label("Strategy discussion (s47)").check()
    page.get_by_label("What the meeting agreed").fill(OUTCOME)
    page.get_by_label("Early help was considered for this child").check()
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Outcome recorded for C26-007700"
    )
    expect(page.locator("#agenda-table")).to_contain_text("Strategy discussion (s47)")
    axe_check(page)
    screenshot("6-outcome-recorded")

    page.get_by_role("button", name="Close the meeting").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("closed")
    expect(page.get_by_role("link", name="Print the minutes")).to_be_visible()
    axe_check(page)
    screenshot("7-closed")

    page.get_by_role("link", name="Print the minutes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes: MASH meeting")
    expect(page.locator("main")).to_contain_text(OUTCOME)
    axe_check(page)
    screenshot("8-minutes")

    page.go_back()
    page.get_by_role("link", name="C26-007700").click()
    page.get_by_role("link", name="Go to the contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("C26-007700")
    meetings = page.locator("h2:has-text('Meetings') + ol")
    expect(meetings).to_contain_text("MASH meeting")
    expect(meetings).to_contain_text("Strategy discussion (s47)")
    expect(meetings).to_contain_text(OUTCOME)
    axe_check(page)
    screenshot("9-contact-timeline")


def test_time_away_cover_and_a_partners_view_of_the_meeting(
    live_server, page, people, meeting, agencies, axe_check, screenshot
):
    """A police practitioner records time away with a colleague covering and sees only their
    own agency's item at the meeting; the practice manager sees today's cover, with Education
    (away, no cover) flagged, and asks before taking an item off the agenda."""
    police = people["police"]
    police.totp_secret = pyotp.random_base32()
    TOTP.activate(police, police.totp_secret)
    colleague = people["police2"]
    other = contact_with_child(status="enquiry", rag="amber", reference="C26-007701")
    enquiry_on(other, opened_by=people["pm"], agencies=[agencies["EDUCATION"]])
    services.agenda_item_add(meeting, actor=people["pm"], reference=other.reference)
    today = timezone.localdate()

    sign_in(page, live_server.url, police.username, PASSWORD, police.totp_secret)
    page.goto(f"{live_server.url}/meetings/")
    page.get_by_role("link", name="Record when you are away, and who covers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time away")
    axe_check(page)
    page.get_by_role("button", name="Record time away").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the first day away")
    axe_check(page)
    screenshot("1-time-away-error")
    for prefix in ("starts_on", "ends_on"):
        page.locator(f"input[name='{prefix}_0']").fill(str(today.day))
        page.locator(f"input[name='{prefix}_1']").fill(str(today.month))
        page.locator(f"input[name='{prefix}_2']").fill(str(today.year))
    page.get_by_label("Planned leave").check()
    page.get_by_label("Who covers for you?").select_option(label=colleague.get_full_name())
    page.get_by_role("button", name="Record time away").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("recorded")
    expect(page.locator("main table")).to_contain_text(colleague.get_full_name())
    axe_check(page)
    screenshot("2-time-away-recorded")

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(page.locator("#agenda-table")).to_contain_text("C26-007700")
    expect(page.locator("main")).not_to_contain_text("C26-007701")
    expect(page.get_by_role("button", name="Start the meeting")).to_have_count(0)
    axe_check(page)
    screenshot("3-partner-meeting")
    page.get_by_role("button", name="Sign out").click()

    services.unavailability_record(
        actor=people["education"],
        starts_on=today,
        ends_on=today,
        part_of_day="all_day",
        reason="unplanned",
    )
    pm = people["pm"]
    sign_in(page, live_server.url, pm.username, PASSWORD, pm.totp_secret)
    page.goto(f"{live_server.url}/meetings/")
    page.get_by_role("link", name="Today's cover by agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's cover by agency")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Education")
    expect(page.locator(".govuk-warning-text")).not_to_contain_text("Police")
    police_row = page.get_by_role("row", name=re.compile(r"^Police"))
    expect(police_row).to_contain_text(f"cover: {colleague.get_full_name()}")
    axe_check(page)
    screenshot("4-coverage")

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Remove C26-007701 from the agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove C26-007701 from the agenda?")
    axe_check(page)
    screenshot("5-remove-confirm")
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "C26-007701 taken off the agenda"
    )
    expect(page.locator("#agenda-table")).not_to_contain_text("C26-007701")
    axe_check(page)
