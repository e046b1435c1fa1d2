"""Signing in to OpenMASH in a real browser: password, authenticator code, home page, sign
out; and a new member of staff enrolling their authenticator app. Every page on the way is
checked with axe and photographed into test-artifacts/."""

import re

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from .conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


@pytest.fixture
def practice_manager(transactional_db, make_user):
    user = make_user("practice_manager", username="pm.browser")
    user.totp_secret = pyotp.random_base32()
    TOTP.activate(user, user.totp_secret)
    return user


def test_sign_in_with_password_and_authenticator_code_then_sign_out(
    live_server, page, practice_manager, axe_check, screenshot
):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page).to_have_title("Sign in – OpenMASH")
    axe_check(page)
    screenshot("1-sign-in")

    # A wrong password: the error summary names the problem and takes focus.
    page.get_by_label("Username").fill(practice_manager.username)
    page.get_by_label("Password", exact=True).fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Error: Sign in – OpenMASH")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    axe_check(page)
    screenshot("2-sign-in-error")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code_field = page.get_by_label("Enter the code from your authenticator app")
    expect(code_field).to_be_visible()
    axe_check(page)
    screenshot("3-authenticator-code")

    code_field.fill(totp_code(practice_manager.totp_secret))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.locator("main")).to_contain_text("SPA and MASH practice manager")
    expect(page.locator(".openmash-user-bar")).to_contain_text("Signed in as")
    axe_check(page)
    screenshot("4-home")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_new_user_enrols_an_authenticator_app_before_anything_else(
    live_server, page, transactional_db, make_user, axe_check, screenshot
):
    make_user("mash_social_worker", username="new.starter")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("new.starter")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code must load"
    axe_check(page)
    screenshot("1-enrolment")

    # Trying to go elsewhere comes back here.
    page.goto(f"{live_server.url}/accounts/2fa/")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    axe_check(page)
    screenshot("2-recovery-codes")

    page.get_by_role("button", name="Continue to OpenMASH").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("MASH social worker")
    screenshot("3-home")


def test_other_account_pages_are_accessible(
    live_server, page, practice_manager, axe_check, screenshot, sign_in
):
    base = live_server.url
    for path, heading, label in [
        ("/accounts/signup/", "Accounts are created by administrators", "sign-up-closed"),
        ("/accounts/password/reset/", "Reset your password", "password-reset"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        axe_check(page)
        screenshot(label)

    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page)
    page.get_by_label("Email address").fill("nobody@example.invalid")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)

    for _ in range(5):
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill("someone.else")
        page.get_by_label("Password", exact=True).fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is locked")
    expect(page.get_by_text("You can try again in 30 minutes")).to_be_visible()
    axe_check(page)
    screenshot("locked-out")

    sign_in(page, base, practice_manager.username, PASSWORD, practice_manager.totp_secret)
    for path, heading, label in [
        ("/accounts/2fa/", "Sign-in security", "sign-in-security"),
        ("/accounts/password/change/", "Change your password", "change-password"),
        ("/accounts/logout/", "Are you sure you want to sign out?", "sign-out"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        axe_check(page)
        screenshot(label)

    page.goto(f"{base}/accounts/password/change/")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("too short")
    axe_check(page)
    screenshot("change-password-error")
