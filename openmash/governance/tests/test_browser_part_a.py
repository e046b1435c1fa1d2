"""In a real browser, with axe on every page: a practice manager proposes a consent override
after a withdrawal and the police agree it; a referral and information officer opens a
restricted record with a reason; the DPO reads the dashboard, the Record of Sharing and "who
has this been shared with?". Uses the Playwright fixtures of tests/browser."""

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from openmash.accounts.roles import Role as R
from openmash.contacts.codes import ConsentStatus, PersonRole
from openmash.contacts.models import ContactPerson
from openmash.enquiries.tests.factories import RecordedContactFactory
from openmash.governance.services_consent import consent_record
from openmash.governance.services_restricted import person_restrict
from openmash.people.tests.factories import make_person
from tests.browser import conftest as browser_fixtures

browser = browser_fixtures.browser
_axe = browser_fixtures._axe
axe_check = browser_fixtures.axe_check
sign_in = browser_fixtures.sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


@pytest.fixture
def people(transactional_db, make_user):
    def user(role, agency="CSC", **extra):
        made = make_user(role, agency=agency, **extra)
        made.totp_secret = pyotp.random_base32()
        TOTP.activate(made, made.totp_secret)
        return made

    return {
        "pm": user(R.PRACTICE_MANAGER, username="pm.browser"),
        "police": user(R.PARTNER_PRACTITIONER, agency="POLICE", username="pc.browser"),
        "rio": user(R.REFERRAL_OFFICER, username="rio.browser"),
        "dpo": user(R.DPO, username="dpo.browser"),
    }


def _page_for(browser, live_server, user):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, user.username, PASSWORD, user.totp_secret)
    return page


def test_consent_override_restricted_record_and_the_dpos_pages(
    live_server, browser, people, axe_check
):
    contact = RecordedContactFactory()
    parent = ContactPerson.unscoped.get(contact=contact, role=PersonRole.PARENT_CARER)
    consent_record(
        contact,
        actor=people["pm"],
        status=ConsentStatus.WITHDRAWN,
        contact_person=parent,
        reason="Mother phoned to withdraw consent.",
    )
    restricted = make_person()
    person_restrict(restricted, actor=people["dpo"], reason="Relative of a member of staff.")

    # The practice manager sees the withdrawal on the contact and proposes an override.
    pm = _page_for(browser, live_server, people["pm"])
    pm.goto(f"{live_server.url}/contacts/{contact.pk}/")
    consent = pm.locator("#consent")
    expect(consent).to_contain_text("Consent withdrawn")
    expect(consent).to_contain_text("No information requests can be sent")
    axe_check(pm)
    consent.get_by_role("link", name="Propose a consent override").click()
    pm.get_by_role("button", name="Propose the override").click()
    expect(pm.locator(".govuk-error-summary")).to_contain_text("Select the agency")
    axe_check(pm)
    pm.get_by_label("Agency that owns the information").select_option(label="Police")
    pm.get_by_label("Evidence or reasonable cause to believe").check()
    pm.get_by_label("Rationale").fill("Repeat domestic abuse with the children present.")
    pm.get_by_role("button", name="Propose the override").click()
    expect(pm.get_by_role("heading", level=1)).to_have_text("Consent to share information")
    expect(pm.locator("main")).to_contain_text("Proposed – awaiting the agency's agreement")
    axe_check(pm)
    pm.context.close()

    # The police representative agrees it.
    police = _page_for(browser, live_server, people["police"])
    police.get_by_role("link", name="Consent overrides").first.click()
    axe_check(police)
    police.get_by_role("link", name=contact.reference).click()
    expect(police.locator("main")).to_contain_text("Repeat domestic abuse")
    axe_check(police)
    police.get_by_label("Yes, my agency agrees to share without consent").check()
    police.get_by_role("button", name="Record your agency's answer").click()
    expect(police.locator("main")).to_contain_text("Agreed by")
    police.context.close()

    # A referral and information officer opens the restricted record with a reason.
    rio = _page_for(browser, live_server, people["rio"])
    rio.goto(f"{live_server.url}/people/{restricted.pk}/")
    expect(rio.get_by_role("heading", level=1)).to_have_text("This record is restricted")
    expect(rio.locator("main")).not_to_contain_text(restricted.surname)
    axe_check(rio)
    rio.get_by_label("Why do you need to open this record?").fill(
        "Checking whether he is known before recording a new contact."
    )
    rio.get_by_role("button", name="Give reason and open the record").click()
    expect(rio.locator("main")).to_contain_text(restricted.surname)
    rio.context.close()

    # The DPO: dashboard, Record of Sharing, who it was shared with, restricted records.
    dpo = _page_for(browser, live_server, people["dpo"])
    dpo.get_by_role("link", name="Information governance").first.click()
    expect(dpo.locator("main")).to_contain_text("Checking whether he is known")
    expect(dpo.locator("main")).to_contain_text(contact.reference)
    axe_check(dpo)
    dpo.get_by_role("button", name="Mark reviewed").first.click()
    expect(dpo.locator("main")).to_contain_text("Nothing to review.")
    dpo.get_by_role("link", name="Record of Sharing").first.click()
    axe_check(dpo)
    dpo.get_by_label("Last name").fill(restricted.surname)
    dpo.get_by_role("button", name="Find").click()
    axe_check(dpo)
    dpo.get_by_role("button", name="Show what was shared").first.click()
    expect(dpo.locator("main")).to_contain_text("Nothing shared matches your search.")
    dpo.get_by_role("link", name="Who has this person's information been shared with?").click()
    expect(dpo.locator("main")).to_contain_text("Nothing about this person has been shared")
    axe_check(dpo)
    dpo.get_by_role("link", name="Restricted records").first.click()
    axe_check(dpo)
    dpo.get_by_role("link", name=restricted.local_id).click()
    expect(dpo.locator("main")).to_contain_text("Relative of a member of staff.")
    axe_check(dpo)
    dpo.context.close()
