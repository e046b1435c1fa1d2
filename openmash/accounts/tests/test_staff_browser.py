"""An administrator managing staff in a real browser: every page is checked with axe and
photographed into test-artifacts/. Uses the Playwright fixtures of tests/browser."""

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from openmash.accounts.models import User
from openmash.accounts.roles import Role as R
from tests.browser import conftest as browser_fixtures

# The browser fixtures live in tests/browser/conftest.py; naming them here makes them usable.
browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


@pytest.fixture
def administrator(transactional_db, make_user):
    user = make_user(R.ADMINISTRATOR, username="admin.browser")
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


def test_administrator_adds_changes_and_deactivates_a_user(
    live_server, page, administrator, axe_check, screenshot
):
    sign_in(page, live_server.url, administrator.username, PASSWORD, administrator.totp_secret)
    page.get_by_role("link", name="Staff").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    axe_check(page)
    screenshot("1-user-list")

    page.get_by_role("button", name="Add a user").click()
    page.get_by_role("button", name="Create user").click()
    expect(page).to_have_title(re.compile(r"^Error: Add a user"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select at least one role")
    axe_check(page)
    screenshot("2-create-errors")

    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Username").fill("morgan.example")
    page.get_by_label("Email address").fill("morgan@example.org")
    page.get_by_label("Agency", exact=True).select_option(label="Police")
    page.get_by_label("Partner agency MASH practitioner").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("created")
    password = page.locator(".govuk-notification-banner code").inner_text()
    assert User.objects.get(username="morgan.example").check_password(password)
    axe_check(page)
    screenshot("3-user-created")

    page.get_by_role("button", name="Change details").click()
    page.get_by_label("Job title (optional)").fill("MASH information co-ordinator")
    axe_check(page)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#history")).to_be_visible()
    expect(page.locator("table").last).to_contain_text("MASH information co-ordinator")
    screenshot("4-user-changed")

    page.get_by_role("button", name="Deactivate account").click()
    axe_check(page)
    screenshot("5-deactivate-confirm")
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("deactivated")
    assert not User.objects.get(username="morgan.example").is_active


def test_administrator_manages_agencies_and_teams(
    live_server, page, administrator, axe_check, screenshot
):
    sign_in(page, live_server.url, administrator.username, PASSWORD, administrator.totp_secret)
    page.get_by_role("link", name="Agencies and teams").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    axe_check(page)
    screenshot("1-agencies")

    page.get_by_role("link", name="Change Police").click()
    page.get_by_label("Location (optional)").fill("Police MASH office")
    axe_check(page)
    screenshot("2-agency-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")

    page.get_by_role("link", name="Teams", exact=True).click()
    axe_check(page)
    screenshot("3-teams")
    page.get_by_role("button", name="Add a team").click()
    page.get_by_role("button", name="Create team").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a code for the team")
    axe_check(page)
    screenshot("4-team-errors")
