"""Closure days and the notification centre in a real browser, checked with axe and
photographed into test-artifacts/: an administrator adds a closure day (after a mistake) and
removes it; a practice manager reads the warnings the job sent."""

from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from openmash.accounts.roles import Role
from openmash.timescales.deadline_warnings import deadline_warnings_send
from openmash.timescales.models import ClosureDay
from tests.browser import conftest as browser_fixtures

from .factories import CALENDAR, ContactFactory

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"


def _signed_in(page, live_server, user):
    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    browser_fixtures.sign_in(page, live_server.url, user.username, PASSWORD, secret)


def _next_working_day():
    day = timezone.localdate() + timedelta(days=1)
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day


def test_an_administrator_adds_and_removes_a_closure_day(
    live_server, page, transactional_db, make_user, axe_check, screenshot
):
    _signed_in(page, live_server, make_user(Role.ADMINISTRATOR))
    day = _next_working_day()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Closure days").first.click()
    axe_check(page)
    page.get_by_role("button", name="Add a closure day").click()
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Add closure day").click()

    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the MASH is closed on that day"
    )
    axe_check(page)
    screenshot("1-error")
    page.get_by_label("Why is the MASH closed?").fill("Office move")
    page.get_by_role("button", name="Add closure day").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("The MASH is now closed")
    axe_check(page)
    screenshot("2-list")
    page.get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Open the MASH on")
    axe_check(page)
    page.get_by_role("button", name="Remove closure day").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("open again")
    assert not ClosureDay.objects.exists()


def test_a_practice_manager_reads_deadline_warnings(
    live_server, page, transactional_db, make_user, axe_check, screenshot
):
    pm = make_user(Role.PRACTICE_MANAGER)
    for days in (3, 4):
        ContactFactory(received_at=timezone.now() - timedelta(days=days))
    deadline_warnings_send()
    _signed_in(page, live_server, pm)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Notifications 2 unread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_text("You have 2 unread notifications.")).to_be_visible()
    axe_check(page)
    screenshot("1-unread")
    page.get_by_role("button", name="Mark as read").first.click()

    expect(page.get_by_text("You have 1 unread notification.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    axe_check(page)
    screenshot("2-one-read")
