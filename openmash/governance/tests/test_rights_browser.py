"""A data protection officer answers a subject access request end to end in a real browser:
registers the request, finds the person, gathers the export, redacts a third-party item,
releases it and downloads the PDF and the JSON. Every page is checked with axe and
photographed into test-artifacts/. Uses the Playwright fixtures of tests/browser."""

import json
import re
from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from openmash.accounts.roles import Role
from openmash.governance.models import SharingRecord
from openmash.governance.subject_access import REDACTED
from openmash.people.tests.factories import make_person
from tests.browser import conftest as browser_fixtures

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


@pytest.fixture
def officer(transactional_db, make_user):
    user = make_user(Role.DPO, username="dpo.browser", email="dpo.browser@example.org")
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


def test_dpo_answers_a_subject_access_request(
    live_server, page, officer, person_with_history, axe_check, screenshot, tmp_path
):
    # Through the person index's own service, so the name search keys exist.
    history = person_with_history(person=make_person())
    person = history.person
    referrer = history.contact.referrer_name

    sign_in(page, live_server.url, officer.username, PASSWORD, officer.totp_secret)
    page.get_by_role("link", name="Rights requests").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data subject rights requests")
    axe_check(page)
    screenshot("1-register")

    page.get_by_role("link", name="Register a request").click()
    page.get_by_role("button", name="Register the request").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select which right")
    axe_check(page)
    screenshot("2-new-errors")

    today = timezone.localdate()
    page.get_by_label("Subject access").check()
    page.get_by_label("Name of the person making the request").fill("Synthetic Requester")
    page.get_by_label("Who are they to the person").fill("The person themselves")
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Register the request").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("registered")
    reference = page.get_by_role("heading", level=1).inner_text()
    assert reference.startswith("DSR-")
    axe_check(page)
    screenshot("3-request")

    page.get_by_role("link", name="Find the person", exact=True).click()
    page.get_by_label("First name").fill(person.forename)
    page.get_by_label("Last name").fill(person.surname)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="People who may match")).to_be_visible()
    axe_check(page)
    screenshot("4-find-person")
    page.get_by_role("button", name=f"Choose {person.full_name}").first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(person.local_id)
    axe_check(page)

    page.get_by_role("button", name=re.compile("Gather everything held on")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access export")
    expect(page.locator("main")).to_contain_text(referrer)
    axe_check(page)
    screenshot("5-review")

    page.get_by_label(re.compile(r"^Referrer's name")).check()
    page.get_by_role("button", name="Save these choices").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")
    expect(page.locator("main")).to_contain_text(REDACTED)
    axe_check(page)
    screenshot("6-redacted-preview")

    page.get_by_role("button", name="Release to Synthetic Requester").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Released")
    expect(page.locator("main")).not_to_contain_text(referrer)
    axe_check(page)
    screenshot("7-released")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the PDF for the person").click()
    pdf = tmp_path / "subject-access.pdf"
    pdf_download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename == f"subject-access-{reference}.pdf"

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download the JSON file").click()
    saved = tmp_path / "subject-access.json"
    json_download.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["contacts"][0]["referrer"]["name"] == REDACTED
    assert document["person"]["surname"] == person.surname
    assert document["request_reference"] == reference

    page.get_by_role("link", name=f"Back to request {reference}").click()
    expect(page.locator("main")).to_contain_text("Subject access export released")
    axe_check(page)
    screenshot("8-request-after-release")
    assert SharingRecord.objects.filter(kind="subject_access").count() == 1


def test_dpo_pages_for_rights_retention_and_breaches_are_accessible(
    live_server, page, officer, person_with_history, axe_check, screenshot
):
    """Every other part B page, with and without errors, passes axe."""
    from openmash.governance.models import RetentionSchedule
    from openmash.governance.services_rights import rights_request_register

    history = person_with_history(person=make_person())
    requests = {
        kind: rights_request_register(
            actor=officer,
            kind=kind,
            requester_name="Synthetic Requester",
            requester_relationship="Mother",
            received_on=timezone.localdate(),
            person=history.person,
        )
        for kind in ("rectification", "erasure", "restriction")
    }
    RetentionSchedule.objects.create(
        record_type="contact", trigger="birth", years=25, action="delete"
    )
    sign_in(page, live_server.url, officer.username, PASSWORD, officer.totp_secret)

    def visit(path, label):
        page.goto(f"{live_server.url}{path}")
        axe_check(page)
        screenshot(label)

    base = "/governance/rights"
    visit(f"{base}/{requests['rectification'].pk}/rectify/", "a1-rectify")
    page.get_by_role("button", name="Correct it and tell the recipients").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the detail")
    axe_check(page)
    page.get_by_label("First language").check()
    page.get_by_label("The correct value").fill("Polish")
    page.get_by_label("Why was it wrong?").fill("Recorded wrongly at intake")
    page.get_by_role("button", name="Correct it and tell the recipients").click()
    expect(page.get_by_role("heading", name="Recipients told")).to_be_visible()
    axe_check(page)
    screenshot("a2-recipients-told")
    visit(f"{base}/{requests['rectification'].pk}/opinion/", "a3-opinion")
    visit(f"{base}/{requests['erasure'].pk}/erase/", "a4-erase")
    page.get_by_label("Erase the person's identifying details").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be erased")
    axe_check(page)
    visit(f"{base}/{requests['restriction'].pk}/restrict/", "a5-restrict")

    visit("/governance/retention/", "b1-retention")
    visit("/governance/retention/schedules/new/", "b2-schedule")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page)
    visit("/governance/retention/run/", "b3-run")
    visit("/governance/retention/log/", "b4-log")
    visit("/governance/retention/extract/", "b5-extract")

    visit("/governance/breaches/", "c1-breaches")
    visit("/governance/breaches/new/", "c2-new")
    page.get_by_role("button", name="Record the breach").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe what happened")
    axe_check(page)
    now = timezone.localtime() - timedelta(hours=2)
    page.get_by_label("Day").fill(str(now.day))
    page.get_by_label("Month").fill(str(now.month))
    page.get_by_label("Year").fill(str(now.year))
    page.get_by_label("Time discovered").fill(f"{now:%H:%M}")
    page.get_by_label("What happened?").fill("A letter went to an old address.")
    page.get_by_label("Names, dates of birth and identifiers").check()
    page.get_by_role("button", name="Record the breach").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("hours left")
    axe_check(page)
    screenshot("c3-breach")
    page.get_by_role("button", name="Record the ICO decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether to report")
    axe_check(page)
    page.get_by_role("link", name="Change the details").click()
    axe_check(page)
