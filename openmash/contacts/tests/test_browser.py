"""The contacts pages in a real browser, each checked with axe (no violations) and
photographed into test-artifacts/: the public referral form (with a validation error and a
double-clicked "Send referral"), recording a contact, and the screening page."""

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from openmash.contacts.models import Contact, ContactStatus
from tests.browser import conftest as browser_fixtures

from .factories import contact_with_child

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"


def _with_totp(user):
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


def test_public_referral_form(live_server, page, transactional_db, axe_check, screenshot):
    page.goto(f"{live_server.url}/refer/")
    axe_check(page)
    screenshot("1-start")
    page.get_by_role("button", name="Start now").click()

    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: About you"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select who you are")
    axe_check(page)
    screenshot("2-about-you-errors")
    page.get_by_label("School or college").check()
    page.get_by_label("Your full name").fill("Robin Teacher")
    page.get_by_label("Your role or job title (professionals)").fill("Safeguarding lead")
    page.get_by_label("Your organisation (professionals)").fill("Hillside Primary")
    page.get_by_label("Email address").fill("dsl@example.org")
    page.get_by_role("button", name="Continue").click()

    axe_check(page)
    page.get_by_label("First name").fill("Kit")
    page.get_by_label("Last name").fill("Testchild")
    page.get_by_label("Postcode (optional)").fill("ME4 4TR")
    page.get_by_role("button", name="Add another child").click()
    expect(page.get_by_text("Child 2")).to_be_visible()
    axe_check(page)
    screenshot("3-children")
    page.get_by_role("button", name="Continue").click()

    axe_check(page)
    page.get_by_role("group", name="Is a child in immediate danger right now?").get_by_label(
        "No"
    ).check()
    page.get_by_label("Neglect").check()
    page.get_by_label("What has happened?").fill("Came to school hungry all week.")
    screenshot("4-concerns")
    page.get_by_role("button", name="Continue").click()

    axe_check(page)
    page.get_by_label("Yes, they know and agree").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    axe_check(page)
    screenshot("5-check")
    page.get_by_role("button", name="Send referral").dblclick()
    expect(page.locator(".govuk-panel")).to_contain_text("Referral sent")
    axe_check(page)
    screenshot("6-sent")
    contact = Contact.unscoped.get()
    expect(page.locator("#contact-reference")).to_have_text(contact.reference)
    assert contact.status == ContactStatus.SUBMITTED


def test_record_and_screen_pages(
    live_server, page, transactional_db, make_user, axe_check, screenshot
):
    officer = _with_totp(make_user("referral_officer", username="rio.browser"))
    contact = contact_with_child(immediate_risk=True)
    sign_in(page, live_server.url, officer.username, PASSWORD, officer.totp_secret)

    page.get_by_role("link", name="Record a contact").first.click()
    axe_check(page)
    page.get_by_role("button", name="Record contact").click()
    expect(page).to_have_title(re.compile(r"^Error: Record a contact"))
    axe_check(page)
    screenshot("1-record-errors")

    page.get_by_role("link", name="Contacts").first.click()
    axe_check(page)
    screenshot("2-to-screen")
    page.get_by_role("link", name="To record").click()
    expect(page).to_have_url(re.compile(r"/contacts/queues/to-record/$"))
    axe_check(page)

    page.context.clear_cookies()
    manager = _with_totp(make_user("practice_manager", username="pm.browser"))
    sign_in(page, live_server.url, manager.username, PASSWORD, manager.totp_secret)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    axe_check(page)
    screenshot("3-contact-page")
    page.get_by_role("button", name="Save screening").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the rationale")
    axe_check(page)
    screenshot("4-screening-errors")
