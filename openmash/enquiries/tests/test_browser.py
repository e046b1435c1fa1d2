"""A police practitioner answers an information request and a practice manager reads the
responses, in a real browser: every page is checked with axe and photographed into
test-artifacts/. Uses the Playwright fixtures of tests/browser."""

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from openmash.accounts.roles import Role as R
from tests.browser import conftest as browser_fixtures

from .factories import NARRATIVE_MARKER

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


def _with_totp(user):
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


@pytest.fixture
def officer(transactional_db, make_user):
    return _with_totp(make_user(R.PARTNER_PRACTITIONER, agency="POLICE", username="pc.browser"))


@pytest.fixture
def manager(transactional_db, pm):
    return _with_totp(pm)


def test_police_answer_and_the_mash_reads_it(
    live_server, page, officer, manager, open_enquiry, axe_check, screenshot
):
    enquiry = open_enquiry(codes=("POLICE", "HEALTH"))
    sign_in(page, live_server.url, officer.username, PASSWORD, officer.totp_secret)
    page.get_by_role("link", name="Requests to my agency").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests to my agency")
    axe_check(page)
    screenshot("1-police-queue")

    page.get_by_role("link", name=enquiry.contact.reference).click()
    expect(page.get_by_text("What does police hold?")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(NARRATIVE_MARKER)
    expect(page.locator("main")).not_to_contain_text("What does health hold?")
    axe_check(page)
    screenshot("2-request")

    page.get_by_label("Known to the agency", exact=True).check()
    page.get_by_label("Risk factors").fill("Two call-outs to the address this year")
    page.get_by_role("button", name="Send response to the MASH").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a summary")
    expect(page.get_by_label("Risk factors")).to_have_value(
        "Two call-outs to the address this year"
    )
    axe_check(page)
    screenshot("3-request-error")

    page.get_by_label("Summary of what your agency holds").fill("Domestic incidents recorded")
    page.get_by_label("Systems searched").fill("Police national computer")
    page.get_by_role("button", name="Send response to the MASH").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sent")
    expect(page.get_by_role("heading", name="Your agency's response")).to_be_visible()
    axe_check(page)
    screenshot("4-responded")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, manager.username, PASSWORD, manager.totp_secret)
    page.get_by_role("link", name="Enquiries").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open enquiries")
    expect(page.locator("tbody")).to_contain_text("1 of 2")
    axe_check(page)
    screenshot("5-open-enquiries")

    page.get_by_role("link", name=enquiry.contact.reference).click()
    expect(page.locator("main")).to_contain_text("Domestic incidents recorded")
    axe_check(page)
    page.get_by_role("button", name="Go ahead to analysis").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why")
    axe_check(page)
    page.get_by_label("Why go ahead without the outstanding responses?").fill("Health on leave")
    page.get_by_role("button", name="Go ahead to analysis").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("analysis")
    axe_check(page)
    screenshot("6-enquiry-ready")
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Awaiting analysis")
    axe_check(page)
