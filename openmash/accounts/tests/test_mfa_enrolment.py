"""Mandatory MFA: a signed-in user without an authenticator app can reach only enrolment,
enrolment shows a scannable and a typeable key, and ends with the recovery codes."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from openmash.accounts.middleware import ALLOWED_BEFORE_ENROLMENT

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def new_user(make_user):
    """A member of staff just created by an administrator: password, no authenticator yet."""
    return make_user("mash_social_worker", username="new.starter")


@pytest.fixture
def new_user_client(client, new_user):
    response = client.post(
        reverse("account_login"), {"login": new_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def secret_on_page(html: str) -> str:
    match = re.search(r'<code class="openmash-secret" id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert match, "the key is shown as text for people who cannot scan the QR code"
    return match.group(1).replace(" ", "")


def no_argument_url_names(patterns=None, namespace=""):
    """Every URL name in the project that can be reversed without arguments."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from no_argument_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            yield f"{namespace}{pattern.name}"


@pytest.mark.django_db
def test_password_sign_in_without_authenticator_goes_to_enrolment(client, new_user):
    response = client.post(
        reverse("account_login"), {"login": new_user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert "Set up your authenticator app" in response.content.decode()


@pytest.mark.django_db
def test_every_page_sends_a_user_without_authenticator_to_enrolment(new_user_client):
    names = sorted(set(no_argument_url_names()) - ALLOWED_BEFORE_ENROLMENT)
    assert {"home", "mfa_index", "account_change_password", "admin:index"} <= set(names)
    enrolment = reverse("mfa_activate_totp")
    reached = {}
    for name in names:
        for method in (new_user_client.get, new_user_client.post):
            # Followed, because Django admin's sign-in hops via ours first.
            response = method(reverse(name), follow=True)
            if not response.redirect_chain or response.redirect_chain[-1][0] != enrolment:
                reached[f"{method.__name__.upper()} {name}"] = response.status_code
    assert reached == {}


@pytest.mark.django_db
def test_enrolment_page_shows_an_accessible_qr_code_and_the_key_as_text(new_user_client):
    response = new_user_client.get(reverse("mfa_activate_totp"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR code', html)
    assert len(secret_on_page(html)) == 32
    # The QR code is a data: URI, which the Content-Security-Policy must allow for images only.
    csp = response["Content-Security-Policy"]
    assert re.search(r"img-src 'self' data:", csp)
    assert "data:" not in csp.replace("img-src 'self' data:", "")


@pytest.mark.django_db
def test_enrolment_with_a_wrong_code_shows_error_summary(new_user_client):
    new_user_client.get(reverse("mfa_activate_totp"))
    response = new_user_client.post(reverse("mfa_activate_totp"), {"code": "12345"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_code"' in html
    assert "<title>Error: Set up your authenticator app – OpenMASH</title>" in html


@pytest.mark.django_db
def test_enrolment_shows_recovery_codes_then_opens_the_service(new_user_client, new_user):
    secret = secret_on_page(new_user_client.get(reverse("mfa_activate_totp")).content.decode())
    response = new_user_client.post(
        reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")

    codes_page = new_user_client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "Your recovery codes" in codes_page
    assert len(re.findall(r"<li><code>\d{8}</code></li>", codes_page)) == 10
    assert f'href="{reverse("home")}"' in codes_page

    home = new_user_client.get(reverse("home"))
    assert home.status_code == 200
    assert "MASH social worker" in home.content.decode()
    assert Authenticator.objects.filter(user=new_user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_enrolment_long_after_sign_in_asks_for_the_password_again_without_a_loop(client, new_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(reverse("account_login"), {"login": new_user.username, "password": PASSWORD})
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Confirm it is you" in page.content.decode()
        response = client.post(response["Location"], {"password": PASSWORD})
        assert response["Location"] == reverse("mfa_activate_totp")
        assert client.get(reverse("mfa_activate_totp")).status_code == 200


@pytest.mark.django_db
def test_an_enrolled_user_cannot_remove_their_authenticator(new_user_client, new_user):
    secret = secret_on_page(new_user_client.get(reverse("mfa_activate_totp")).content.decode())
    new_user_client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})

    page = new_user_client.get(reverse("mfa_deactivate_totp")).content.decode()
    assert "You cannot turn off your authenticator app" in page
    new_user_client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=new_user, type=Authenticator.Type.TOTP).exists()


@pytest.mark.django_db
def test_sign_in_security_page_lists_authenticator_and_recovery_codes(new_user_client):
    secret = secret_on_page(new_user_client.get(reverse("mfa_activate_totp")).content.decode())
    new_user_client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})

    page = new_user_client.get(reverse("mfa_index")).content.decode()
    assert "Sign-in security" in page
    assert "10 of 10 unused" in page
    assert reverse("account_change_password") in page
