"""The timeliness dashboard in a real browser, checked with axe and photographed into
test-artifacts/ (charts and their tables side by side)."""

from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from openmash.accounts.roles import Role
from openmash.contacts.models import ContactStatus
from openmash.timescales.tests.factories import ContactFactory, InformationRequestFactory
from tests.browser import conftest as browser_fixtures

browser = browser_fixtures.browser
page = browser_fixtures.page
screenshot = browser_fixtures.screenshot
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"


def _seed(pm, agencies):
    now = timezone.now()
    for weeks_ago in range(12):
        received = now - timedelta(weeks=weeks_ago, days=2)
        for late in range(weeks_ago % 4):
            ContactFactory(
                received_at=received,
                decision_due_at=received + timedelta(days=1),
                status=ContactStatus.DECIDED,
                decided_at=received + timedelta(days=1, hours=late + 1),
            )
        for _ in range(3):
            ContactFactory(
                received_at=received,
                decision_due_at=received + timedelta(days=1),
                status=ContactStatus.DECIDED,
                decided_at=received + timedelta(hours=5),
            )
        for code, late in (("POLICE", weeks_ago % 3 == 0), ("HEALTH", False)):
            requested = received + timedelta(hours=1)
            InformationRequestFactory(
                agency=agencies[code],
                enquiry__opened_by=pm,
                enquiry__contact__rag="red",
                enquiry__contact__received_at=received,
                requested_at=requested,
                due_at=requested + timedelta(hours=4),
                status="responded",
                responded_at=requested + timedelta(hours=5 if late else 2),
            )
    ContactFactory(received_at=now - timedelta(hours=3), decision_due_at=now + timedelta(hours=1))
    InformationRequestFactory(
        agency=agencies["EDUCATION"],
        enquiry__opened_by=pm,
        enquiry__contact__received_at=now - timedelta(hours=5),
        due_at=now - timedelta(minutes=30),
    )


def test_timeliness_dashboard(
    live_server, page, transactional_db, make_user, agencies, axe_check, screenshot
):
    pm = make_user(Role.PRACTICE_MANAGER)
    secret = pyotp.random_base32()
    TOTP.activate(pm, secret)
    _seed(pm, agencies)

    browser_fixtures.sign_in(page, live_server.url, pm.username, PASSWORD, secret)
    page.goto(f"{live_server.url}/reporting/timeliness/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Timeliness")
    expect(
        page.get_by_role("img", name="Contacts decided within 1 working day, by week received")
    ).to_be_visible()
    expect(
        page.get_by_role("table", name="Contacts decided within 1 working day, by week received")
    ).to_be_visible()
    axe_check(page)
    screenshot("dashboard")
