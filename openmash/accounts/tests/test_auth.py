"""Staff sign-in: password then authenticator code, sign-out, no sign-up, password reset,
lockout after repeated failures, idle session expiry and the password policy.

Every sign-in here goes through the real forms (not ``force_login``) so that allauth's
login stages, axes and the MFA middleware all take part.
"""

from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.models import User

PASSWORD = "correct-horse-battery-staple"  # the password make_user gives every user


@pytest.fixture
def enrolled_user(make_user):
    """A practice manager with an authenticator app; the TOTP secret is on ``user.totp``."""
    user = make_user("practice_manager", username="pm.test", email="pm.test@example.invalid")
    user.totp = pyotp.TOTP(pyotp.random_base32())
    TOTP.activate(user, user.totp.secret)
    return user


def password_step(client, username, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def code_step(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def sign_in(client, user):
    response = password_step(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = code_step(client, user.totp.now())
    assert response.status_code == 302
    return response


# --- signing in and out -------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_is_a_govuk_form_without_sign_up(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in – OpenMASH</title>" in html
    assert 'class="govuk-input govuk-input--width-20" id="id_login" name="login"' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'data-module="govuk-password-input"' in html
    assert reverse("account_signup") not in html
    assert "Accounts are created by your OpenMASH administrator" in html


@pytest.mark.django_db
def test_wrong_password_shows_error_summary_linked_to_the_field(client, enrolled_user):
    response = password_step(client, enrolled_user.username, "not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in – OpenMASH</title>" in html
    assert "govuk-error-summary" in html
    assert 'href="#id_login"' in html
    assert "username and/or password you specified are not correct" in html
    # The username is kept; the password never is.
    assert 'value="pm.test"' in html
    assert "not-the-password" not in html


@pytest.mark.django_db
def test_sign_in_asks_for_the_authenticator_code_then_shows_home(client, enrolled_user):
    response = password_step(client, enrolled_user.username)
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the password alone opens nothing.
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))

    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page

    response = code_step(client, enrolled_user.totp.now())
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "SPA and MASH practice manager" in home.content.decode()
    assert "Successfully signed in" not in home.content.decode()


@pytest.mark.django_db
def test_wrong_authenticator_code_shows_error_summary(client, enrolled_user):
    password_step(client, enrolled_user.username)
    wrong = "000000" if enrolled_user.totp.now() != "000000" else "111111"
    response = code_step(client, wrong)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_code"' in html
    assert "Incorrect code" in html
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(client, enrolled_user):
    codes = RecoveryCodes.activate(enrolled_user).get_unused_codes()

    password_step(client, enrolled_user.username)
    response = code_step(client, codes[0])
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200

    client.post(reverse("account_logout"))
    password_step(client, enrolled_user.username)
    response = code_step(client, codes[0])
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()


@pytest.mark.django_db
def test_header_sign_out_button_posts_and_ends_the_session(client, enrolled_user):
    sign_in(client, enrolled_user)
    home = client.get(reverse("home")).content.decode()
    assert f'<form method="post" action="{reverse("account_logout")}"' in home

    # A GET (e.g. a link prefetch) only asks; it does not sign out.
    confirm = client.get(reverse("account_logout"))
    assert "Are you sure you want to sign out?" in confirm.content.decode()
    assert client.get(reverse("home")).status_code == 200

    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("account_login")
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_django_admin_sign_in_is_sent_to_the_mfa_sign_in(client):
    response = client.get(reverse("admin:login") + "?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fdjango-admin%2F"


@pytest.mark.django_db
def test_every_account_page_renders_in_the_govuk_layout(client, enrolled_user):
    """allauth pages we did not write by hand are drawn by our allauth/elements overrides."""
    RecoveryCodes.activate(enrolled_user)
    sign_in(client, enrolled_user)
    names = [
        "account_email",
        "account_change_password",
        "account_set_password",
        "account_reauthenticate",
        "mfa_index",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
        "account_logout",
    ]
    for name in names:
        response = client.get(reverse(name), follow=True)
        html = response.content.decode()
        assert response.status_code == 200, name
        assert '<h1 class="govuk-' in html, name
        assert "<p>" not in html and "<button>" not in html, f"unstyled allauth element: {name}"


# --- no self sign-up; password reset does not reveal accounts ------------------------------


@pytest.mark.django_db
def test_sign_up_is_closed(client, agencies):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "Accounts are created by administrators" in response.content.decode()

    client.post(
        reverse("account_signup"),
        {"username": "intruder", "password1": "a-long-enough-passphrase"},
    )
    assert not User.objects.filter(username="intruder").exists()


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_unknown_addresses(client, enrolled_user):
    known = client.post(reverse("account_reset_password"), {"email": enrolled_user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.invalid"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    # Only the real account is emailed; nobody else's inbox is used as a probe.
    assert [m.to for m in mail.outbox] == [[enrolled_user.email]]

    done = client.get(reverse("account_reset_password_done")).content.decode()
    assert "If the address you entered belongs to an OpenMASH account" in done


# --- lockout -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(
    client, enrolled_user, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert password_step(client, enrolled_user.username, "wrong-password").status_code == 200
    # Case does not buy extra attempts: allauth matches usernames case-insensitively.
    assert password_step(client, "PM.Test", "wrong-password").status_code == 429

    response = password_step(client, enrolled_user.username)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Your account is locked" in html
    assert "You can try again in <strong>30 minutes</strong>" in html
    assert "contact your OpenMASH administrator" in html
    assert client.get(reverse("mfa_authenticate")).status_code == 302  # no login stage began


@pytest.mark.django_db
def test_lockout_is_per_account_not_per_office(client, enrolled_user, make_user):
    """Colleagues share the office's address: one person's mistakes must not lock them out."""
    colleague = make_user("referral_officer", username="colleague")
    colleague.totp = pyotp.TOTP(pyotp.random_base32())
    TOTP.activate(colleague, colleague.totp.secret)
    for _ in range(5):
        password_step(client, enrolled_user.username, "wrong-password")

    sign_in(client, colleague)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_throttled(client, enrolled_user, settings):
    """Password spraying from one address is slowed by allauth's per-address limit (switched
    off in the test settings, so switched back on here with the production value)."""
    from config.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    for n in range(10):
        response = password_step(client, f"someone{n}", "Winter2024!")
        assert "Too many failed login attempts" not in response.content.decode()
    response = password_step(client, enrolled_user.username)
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(client, enrolled_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            password_step(client, enrolled_user.username, "wrong-password")
        assert password_step(client, enrolled_user.username).status_code == 429
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        sign_in(client, enrolled_user)
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_wrong_authenticator_codes_count_towards_the_lockout(client, enrolled_user):
    """Knowing the password must not buy unlimited guesses at the 6-digit code."""
    password_step(client, enrolled_user.username)
    right = enrolled_user.totp.now()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert code_step(client, wrong).status_code == 200
    assert code_step(client, wrong).status_code == 429

    response = code_step(client, right)
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_clears_earlier_failures(client, enrolled_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            password_step(client, enrolled_user.username, "wrong-password")
        sign_in(client, enrolled_user)
        client.post(reverse("account_logout"))
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        for _ in range(4):
            assert password_step(client, enrolled_user.username, "wrong").status_code == 200
        assert sign_in(client, enrolled_user)["Location"] == reverse("home")


# --- idle sessions ----------------------------------------------------------------------


@pytest.mark.django_db
def test_session_expires_after_31_idle_minutes(client, enrolled_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, enrolled_user)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_activity_every_20_minutes_keeps_the_session(client, enrolled_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, enrolled_user)
    for step in range(1, 5):  # 80 minutes in all, never 30 idle
        with time_machine.travel(start + timedelta(minutes=20 * step), tick=False):
            assert client.get(reverse("home")).status_code == 200


# --- password policy --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Tr0ub4dor&3", "too short"),
        ("password1234", "too common"),
        ("839104728193", "entirely numeric"),
        ("pm.test@example.invalid", "too similar"),
    ],
)
def test_weak_passwords_are_rejected(enrolled_user, password, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, enrolled_user)
    assert any(message in m for m in excinfo.value.messages)


@pytest.mark.django_db
def test_a_long_passphrase_is_accepted(enrolled_user):
    validate_password("lantern-orchard-velvet-51", enrolled_user)


@pytest.mark.django_db
def test_changing_password_to_a_weak_one_is_refused_with_the_reason(client, enrolled_user):
    sign_in(client, enrolled_user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "password1234", "password2": "password1234"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "This password is too common." in html
    enrolled_user.refresh_from_db()
    assert enrolled_user.check_password(PASSWORD)


# --- a password an administrator set must be changed ----------------------------------------


@pytest.mark.django_db
def test_a_password_set_by_an_administrator_must_be_changed_after_sign_in(client, enrolled_user):
    enrolled_user.must_change_password = True
    enrolled_user.save(update_fields=["must_change_password"])
    response = sign_in(client, enrolled_user)  # password, then the authenticator code
    change = reverse("account_change_password")
    assert client.get(response["Location"])["Location"] == change
    for name in ("home", "mfa_index"):
        assert client.get(reverse(name))["Location"] == change
    page = client.get(change)
    assert page.status_code == 200
    assert "Your password was set by an administrator" in page.content.decode()
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200

    new = "lantern-orchard-velvet-51"
    response = client.post(change, {"oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 302
    enrolled_user.refresh_from_db()
    assert enrolled_user.check_password(new) and not enrolled_user.must_change_password
    assert client.get(reverse("home")).status_code == 200
    assert enrolled_user.history.first().history_user == enrolled_user


@pytest.mark.django_db
def test_enrolment_comes_before_the_password_change(client, make_user):
    """A new account: MFA enrolment first (the MFA middleware), then the password change."""
    user = make_user("practice_manager", username="new.starter", must_change_password=True)
    password_step(client, user.username)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    TOTP.activate(user, pyotp.random_base32())
    assert client.get(reverse("home"))["Location"] == reverse("account_change_password")


@pytest.mark.django_db
def test_a_password_reset_by_email_clears_the_requirement(enrolled_user):
    from allauth.account.signals import password_reset

    enrolled_user.must_change_password = True
    enrolled_user.save(update_fields=["must_change_password"])
    password_reset.send(sender=User, request=None, user=enrolled_user)
    enrolled_user.refresh_from_db()
    assert not enrolled_user.must_change_password
