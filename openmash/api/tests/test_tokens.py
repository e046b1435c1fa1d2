"""API tokens: hashed at rest, with expiry; acting exactly as their user; created, listed and
revoked on the account's "API tokens" page (and by administrators), each change audited."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token

from openmash.accounts.roles import Role
from openmash.api.models import ApiToken
from openmash.api.services import TokenRuleBroken, api_token_create, api_token_revoke
from openmash.audit.models import AuditEntry
from openmash.core.errors import NotPermitted

pytestmark = pytest.mark.django_db

LIST = reverse("api:information-request-list")


def test_a_token_is_stored_only_as_a_hash(police):
    token, secret = api_token_create(actor=police, name="Force system", lifetime_days=90)
    assert secret.startswith("openmash_")
    row = ApiToken.objects.get(pk=token.pk)
    assert row.digest == hash_token(secret) and secret not in row.digest
    assert not ApiToken.objects.filter(digest=secret).exists()
    assert not row.token_key or secret != row.token_key  # only a short lookup prefix is kept
    assert row.expiry == pytest.approx(timezone.now() + timedelta(days=90), abs=timedelta(1))


def test_a_token_authenticates_as_its_user_and_records_its_last_use(police, api_as, token_for):
    secret = token_for(police)
    response = api_as(police, secret).get(LIST)
    assert response.status_code == 200
    assert ApiToken.objects.get(user=police).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Token", "Token openmash_not-a-real-token", "Bearer something"],
    ids=["none", "empty", "unknown", "other-scheme"],
)
def test_no_valid_token_is_401_with_a_challenge(header, police):
    from rest_framework.test import APIClient

    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] in {"not_authenticated", "authentication_failed"}
    assert "no-store" in response["Cache-Control"]


def test_an_expired_token_is_refused(police, api_as, token_for):
    secret = token_for(police, days=30)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert api_as(police, secret).get(LIST).status_code == 401
    assert not ApiToken.objects.filter(user=police).exists()  # knox clears it on sight


def test_a_revoked_token_is_refused(police, api_as):
    token, secret = api_token_create(actor=police, name="Force system", lifetime_days=30)
    client = api_as(police, secret)
    assert client.get(LIST).status_code == 200
    api_token_revoke(token, actor=police)
    assert client.get(LIST).status_code == 401


def test_a_deactivated_users_token_stops_working(police, api_as, token_for):
    secret = token_for(police)
    police.is_active = False
    police.save(update_fields=["is_active"])
    assert api_as(police, secret).get(LIST).status_code == 401


def test_a_locked_out_users_token_stops_working(police, api_as, token_for):
    secret = token_for(police)
    AccessAttempt.objects.create(
        username=police.username,
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    response = api_as(police, secret).get(LIST)
    assert response.status_code == 401
    assert "locked" in response.json()["detail"]


def test_token_rules(police, make_user):
    with pytest.raises(TokenRuleBroken):
        api_token_create(actor=police, name="  ", lifetime_days=90)
    with pytest.raises(TokenRuleBroken):
        api_token_create(actor=police, name="Force system", lifetime_days=365)
    for n in range(10):
        api_token_create(actor=police, name=f"System {n}", lifetime_days=30)
    with pytest.raises(TokenRuleBroken, match="already have 10"):
        api_token_create(actor=police, name="One too many", lifetime_days=30)
    with pytest.raises(NotPermitted):
        api_token_create(actor=make_user(Role.PRACTICE_MANAGER), name="x", lifetime_days=30)


def test_only_the_owner_or_an_administrator_revokes(police, police2, make_user):
    token, _ = api_token_create(actor=police, name="Force system", lifetime_days=30)
    with pytest.raises(NotPermitted):
        api_token_revoke(token, actor=police2)
    api_token_revoke(token, actor=make_user(Role.ADMINISTRATOR))
    assert not ApiToken.objects.exists()


# -- the pages -----------------------------------------------------------------------------------

PAGE = reverse("api_tokens:list")


def test_the_page_creates_a_token_shows_it_once_and_audits_it(police, signed_in):
    client = signed_in(police)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "You have no API tokens" in page.content.decode()
    assert "curl -H" in page.content.decode()  # how to use one

    response = client.post(PAGE, {"name": "Force case system", "lifetime": "180"})
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    token = ApiToken.objects.get(user=police)
    secret = body.split('id="new-token">')[1].split("<")[0]
    assert hash_token(secret) == token.digest
    assert token.expiry.date() == (timezone.now() + timedelta(days=180)).date()
    entry = AuditEntry.objects.get(target_type="api.apitoken", verb="created")
    assert entry.actor == police and entry.target_id == str(token.public_id)
    assert secret not in str(entry.payload) and token.digest not in str(entry.payload)

    again = client.get(PAGE).content.decode()
    assert "Force case system" in again and secret not in again  # listed, never shown again


def test_the_form_keeps_what_was_typed_on_error(police, signed_in):
    response = signed_in(police).post(PAGE, {"name": "", "lifetime": "90"})
    body = response.content.decode()
    assert "There is a problem" in body and "Enter what the token is for" in body
    assert not ApiToken.objects.exists()
    response = signed_in(police).post(PAGE, {"name": "Kept text", "lifetime": ""})
    assert 'value="Kept text"' in response.content.decode()


def test_revoke_asks_first_then_revokes_and_audits(police, signed_in):
    token, _ = api_token_create(actor=police, name="Force system", lifetime_days=30)
    client = signed_in(police)
    url = reverse("api_tokens:revoke", args=[token.public_id])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "stops working at once" in confirm.content.decode()
    assert ApiToken.objects.exists()
    assert client.post(url).status_code == 302
    assert not ApiToken.objects.exists()
    entry = AuditEntry.objects.get(target_type="api.apitoken", verb="deleted")
    assert entry.actor == police and entry.payload["name"] == "Force system"


def test_nobody_revokes_anothers_token_from_their_own_page(police, police2, signed_in):
    token, _ = api_token_create(actor=police, name="Force system", lifetime_days=30)
    url = reverse("api_tokens:revoke", args=[token.public_id])
    assert signed_in(police2).post(url).status_code == 404
    assert ApiToken.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.PRACTICE_MANAGER, Role.MASH_SOCIAL_WORKER, Role.DPO, Role.ADMINISTRATOR]
)
def test_the_page_is_for_those_who_answer_requests(role, make_user, signed_in):
    client = signed_in(make_user(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "x", "lifetime": "30"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_early_help_may_use_the_api(make_user, signed_in):
    assert signed_in(make_user(Role.EARLY_HELP, agency="EARLY_HELP")).get(PAGE).status_code == 200


def test_the_sign_in_security_page_links_to_the_tokens_page(police, make_user, signed_in):
    assert PAGE in signed_in(police).get(reverse("mfa_index")).content.decode()
    assert PAGE not in signed_in(make_user(Role.DPO)).get(reverse("mfa_index")).content.decode()


def test_an_administrator_sees_and_revokes_a_users_tokens(police, make_user, signed_in):
    token, _ = api_token_create(actor=police, name="Force system", lifetime_days=30)
    admin = make_user(Role.ADMINISTRATOR)
    client = signed_in(admin)
    detail = client.get(reverse("accounts:user_detail", args=[police.pk])).content.decode()
    url = reverse("accounts:user_api_token_revoke", args=[police.pk, token.public_id])
    assert "Force system" in detail and url in detail
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not ApiToken.objects.exists()
    entry = AuditEntry.objects.get(target_type="api.apitoken", verb="deleted")
    assert entry.actor == admin and entry.payload["owner"] == str(police.pk)


def test_only_administrators_reach_the_staff_revoke_page(police, police2, signed_in):
    token, _ = api_token_create(actor=police, name="Force system", lifetime_days=30)
    url = reverse("accounts:user_api_token_revoke", args=[police.pk, token.public_id])
    assert signed_in(police2).post(url).status_code == 403
    assert ApiToken.objects.exists()


def test_the_signed_in_bar_links_the_tokens_page_for_those_who_answer_requests(
    police, pm, signed_in
):
    link = f'href="{reverse("api_tokens:list")}">API tokens</a>'
    assert link in signed_in(police).get(reverse("home")).content.decode()
    assert link not in signed_in(pm).get(reverse("home")).content.decode()
