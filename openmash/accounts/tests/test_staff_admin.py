"""Staff administration pages: users, agencies and teams, through the views."""

import re
import uuid

import pytest
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openmash.accounts import urls as account_urls
from openmash.accounts.models import Agency, Team, User
from openmash.accounts.roles import Capability
from openmash.accounts.roles import Role as R

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_staff(make_user):
    """make_user, plus chosen names (the shared fixture names everyone "Test User n")."""

    def _make(*roles, first_name=None, last_name=None, **extra):
        user = make_user(*roles, **extra)
        names = {"first_name": first_name, "last_name": last_name}
        names = {k: v for k, v in names.items() if v is not None}
        if names:
            User.objects.filter(pk=user.pk).update(**names)
            user.refresh_from_db()
        return user

    return _make


@pytest.fixture
def admin_user(make_staff):
    return make_staff(R.ADMINISTRATOR, username="admin1", first_name="Ada", last_name="Admin")


@pytest.fixture
def admin_client(admin_user, signed_in):
    return signed_in(admin_user)


def _form(**overrides):
    data = {
        "first_name": "Priya",
        "last_name": "Example",
        "username": "pexample",
        "email": "pexample@example.org",
        "phone": "",
        "job_title": "MASH social worker",
        "agency": str(Agency.objects.get(code="CSC").pk),
        "team": str(Team.objects.get(code="MASH").pk),
        "roles": [R.MASH_SOCIAL_WORKER],
        "password": "",
    }
    data.update(overrides)
    return data


def _all_account_urls(user_pk, agency_pk, team_pk):
    """Every URL in the accounts app, with real ids filled in."""
    urls = []
    for pattern in account_urls.urlpatterns:
        kwargs = {}
        if "<uuid:pk>" in str(pattern.pattern):
            route = str(pattern.pattern)
            kwargs["pk"] = (
                team_pk if "teams" in route else agency_pk if "agencies" in route else user_pk
            )
        if "<uuid:token_id>" in str(pattern.pattern):
            kwargs["token_id"] = uuid.uuid4()  # refused before the token is looked up
        urls.append(reverse(f"accounts:{pattern.name}", kwargs=kwargs))
    return urls


# --- access --------------------------------------------------------------------------------


def test_every_accounts_view_requires_staff_manage():
    for pattern in account_urls.urlpatterns:
        assert pattern.callback.required_capabilities == (Capability.STAFF_MANAGE,), pattern.name


@pytest.mark.parametrize(
    ("role", "agency"), [(R.PRACTICE_MANAGER, "CSC"), (R.PARTNER_PRACTITIONER, "POLICE")]
)
def test_non_administrators_get_403_everywhere(make_user, signed_in, admin_user, role, agency):
    client = signed_in(make_user(role, agency=agency))
    team = Team.objects.first()
    urls = _all_account_urls(admin_user.pk, team.agency_id, team.pk)
    assert len(urls) >= 13
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_anonymous_users_are_sent_to_sign_in(admin_user):
    response = Client().get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_navigation_shows_staff_pages_to_administrators_only(admin_client, make_user, signed_in):
    home = admin_client.get("/").content.decode()
    assert reverse("accounts:user_list") in home
    assert reverse("accounts:agency_list") in home
    manager_home = signed_in(make_user(R.PRACTICE_MANAGER)).get("/").content.decode()
    assert reverse("accounts:user_list") not in manager_home


# --- user list -----------------------------------------------------------------------------


def test_user_list_filters_searches_and_sorts(admin_client, make_staff):
    make_staff(R.PARTNER_PRACTITIONER, agency="POLICE", username="zed", last_name="Aardvark")
    make_staff(R.REFERRAL_OFFICER, username="rio2", last_name="Zebra")
    make_staff(R.REFERRAL_OFFICER, username="gone", last_name="Gone", is_active=False)
    url = reverse("accounts:user_list")

    body = admin_client.get(url).content.decode()
    assert "Aardvark" in body and "Zebra" in body and "Gone" not in body
    assert body.index("Aardvark") < body.index("Zebra")  # by name by default

    police = Agency.objects.get(code="POLICE")
    body = admin_client.get(url, {"agency": police.pk}).content.decode()
    assert "Aardvark" in body and "Zebra" not in body

    body = admin_client.get(url, {"role": R.REFERRAL_OFFICER}).content.decode()
    assert "Zebra" in body and "Aardvark" not in body

    body = admin_client.get(url, {"status": "inactive"}).content.decode()
    assert "Gone" in body and "Zebra" not in body

    body = admin_client.get(url, {"q": "zebr"}).content.decode()
    assert "Zebra" in body and "Aardvark" not in body

    body = admin_client.get(url, {"sort": "name", "dir": "desc"}).content.decode()
    assert body.index("Zebra") < body.index("Aardvark")
    assert 'aria-sort="descending"' in body


def test_user_list_ignores_invalid_filters(admin_client):
    response = admin_client.get(
        reverse("accounts:user_list"),
        {"agency": "not-a-uuid", "role": "emperor", "sort": "salary", "page": "x"},
    )
    assert response.status_code == 200
    assert "Ada" in response.content.decode()


def test_user_list_pages_25_at_a_time(admin_client, make_user):
    for _ in range(30):
        make_user(R.EARLY_HELP, agency="EARLY_HELP")
    first = admin_client.get(reverse("accounts:user_list")).content.decode()
    assert "Showing 1 to 25 of 31 users" in first
    second = admin_client.get(reverse("accounts:user_list"), {"page": 2}).content.decode()
    assert "Showing 26 to 31 of 31 users" in second


def _count_list_queries(client):
    url = reverse("accounts:user_list")
    client.get(url)  # warm the session (MFA enrolment is remembered there)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"status": "all"}).status_code == 200
    return len(queries)


def test_user_list_query_count_does_not_grow_with_users(admin_client, make_user):
    for i in range(4):
        make_user(R.REFERRAL_OFFICER, R.EARLY_HELP, username=f"a{i}")
    few = _count_list_queries(admin_client)
    for i in range(45):
        make_user(R.PRACTICE_MANAGER, R.TEAM_MANAGER, username=f"b{i}", agency="CSC")
    many = _count_list_queries(admin_client)
    assert User.objects.count() == 50
    assert few == many


# --- creating users ------------------------------------------------------------------------


def test_create_user_with_generated_password_shown_once(admin_client, admin_user):
    response = admin_client.post(reverse("accounts:user_create"), _form())
    user = User.objects.get(username="pexample")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", kwargs={"pk": user.pk})

    page = admin_client.get(response["Location"]).content.decode()
    assert "User Priya Example created." in page
    password = re.search(r"<code>([a-z0-9-]{24})</code>", page).group(1)
    assert user.check_password(password)
    assert user.agency.code == "CSC" and user.team.code == "MASH"
    assert list(user.roles.values_list("code", flat=True)) == [R.MASH_SOCIAL_WORKER]

    again = admin_client.get(response["Location"]).content.decode()
    assert password not in again

    created = user.history.earliest()
    assert created.history_type == "+" and created.history_user == admin_user


def test_create_user_with_chosen_password(admin_client):
    response = admin_client.post(
        reverse("accounts:user_create"), _form(password="a sensible long passphrase")
    )
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "One-time password" not in page
    assert User.objects.get(username="pexample").check_password("a sensible long passphrase")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short"}, "This password is too short"),
        ({"password": "password123456"}, "This password is too common"),
        ({"roles": []}, "Select at least one role"),
        ({"first_name": ""}, "Enter the user&#x27;s first name"),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"agency": ""}, "Select the user&#x27;s agency"),
        ({"username": "ADMIN1"}, "A user with that username already exists"),
        ({"roles": [R.PARTNER_PRACTITIONER]}, "must belong to a partner agency"),
        ({"team": "EARLY_HELP"}, "belongs to Early Help"),
    ],
)
def test_create_user_validation_errors_are_summarised(admin_client, overrides, message):
    if overrides.get("team") == "EARLY_HELP":
        overrides["team"] = str(Team.objects.get(code="EARLY_HELP").pk)
    before = User.objects.count()
    response = admin_client.post(reverse("accounts:user_create"), _form(**overrides))
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "<title>Error: " in body
    assert message in body
    assert User.objects.count() == before


def test_error_summary_links_role_errors_to_first_checkbox(admin_client):
    body = admin_client.post(reverse("accounts:user_create"), _form(roles=[])).content.decode()
    assert 'href="#id_roles_1"' in body
    assert 'id="id_roles_1"' in body


def test_partner_practitioner_cannot_also_read_csc_records(admin_client):
    police = Agency.objects.get(code="POLICE")
    body = admin_client.post(
        reverse("accounts:user_create"),
        _form(
            agency=str(police.pk),
            team="",
            roles=[R.PARTNER_PRACTITIONER, R.REFERRAL_OFFICER],
        ),
    ).content.decode()
    assert "cannot also be Referral and information officer" in body
    assert not User.objects.filter(username="pexample").exists()


# --- editing users -------------------------------------------------------------------------


def test_edit_user_records_one_history_entry_with_the_administrator(
    admin_client, admin_user, make_user
):
    worker = make_user(R.MASH_SOCIAL_WORKER, username="sw1", job_title="Social worker")
    url = reverse("accounts:user_edit", kwargs={"pk": worker.pk})
    assert "Change details of" in admin_client.get(url).content.decode()
    history_before = worker.history.count()

    response = admin_client.post(
        url,
        _form(
            username="sw1",
            first_name="Test",
            last_name=worker.last_name,
            email="sw1@example.org",
            job_title="Senior social worker",
            roles=[R.MASH_SOCIAL_WORKER, R.PRACTICE_MANAGER],
        ),
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.job_title == "Senior social worker"
    assert set(worker.roles.values_list("code", flat=True)) == {
        R.MASH_SOCIAL_WORKER,
        R.PRACTICE_MANAGER,
    }
    assert worker.history.count() == history_before + 1
    latest = worker.history.latest()
    assert latest.history_user == admin_user

    page = admin_client.get(response["Location"]).content.decode()
    assert "Changes to" in page and "saved" in page
    history = page[page.index('id="history"') :]
    assert "Ada Admin" in history
    assert "Job title" in history and "Senior social worker" in history
    assert "Roles" in history and "SPA and MASH practice manager" in history


def test_edit_without_changes_saves_nothing(admin_client, make_user):
    worker = make_user(R.REFERRAL_OFFICER, username="rio1", email="rio1@example.org")
    count = worker.history.count()
    response = admin_client.post(
        reverse("accounts:user_edit", kwargs={"pk": worker.pk}),
        _form(
            username="rio1",
            first_name=worker.first_name,
            last_name=worker.last_name,
            email="rio1@example.org",
            job_title="",
            team="",
            roles=[R.REFERRAL_OFFICER],
        ),
    )
    assert response.status_code == 302
    assert worker.history.count() == count
    assert "You did not change anything" in admin_client.get(response["Location"]).content.decode()


def test_administrator_cannot_remove_own_administrator_role(admin_client, admin_user):
    body = admin_client.post(
        reverse("accounts:user_edit", kwargs={"pk": admin_user.pk}),
        _form(
            username="admin1",
            first_name="Ada",
            last_name="Admin",
            team="",
            roles=[R.DPO],
        ),
    ).content.decode()
    assert "You cannot remove your own administrator role" in body
    assert admin_user.roles.filter(code=R.ADMINISTRATOR).exists()


def test_unknown_user_is_404(admin_client):
    assert admin_client.get(reverse("accounts:user_detail", args=[uuid.uuid4()])).status_code == 404


# --- deactivate, reactivate ----------------------------------------------------------------


def test_deactivate_and_reactivate_with_confirmation(admin_client, make_user, client):
    worker = make_user(R.REFERRAL_OFFICER)
    url = reverse("accounts:user_deactivate", kwargs={"pk": worker.pk})
    confirm = admin_client.get(url).content.decode()
    assert "Deactivate Test User" in confirm and "Deactivate account" in confirm
    worker.refresh_from_db()
    assert worker.is_active  # the GET changed nothing

    response = admin_client.post(url)
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    page = admin_client.get(response["Location"]).content.decode()
    assert "has been deactivated" in page
    assert User.objects.filter(pk=worker.pk).exists()  # never deleted

    admin_client.post(reverse("accounts:user_reactivate", kwargs={"pk": worker.pk}))
    worker.refresh_from_db()
    assert worker.is_active
    types = list(worker.history.order_by("history_date").values_list("is_active", flat=True))
    assert types[-2:] == [False, True]


def test_deactivation_signs_the_user_out(admin_client, make_user):
    from django.test import Client as TestClient

    worker = make_user(R.REFERRAL_OFFICER)
    Authenticator.objects.create(
        user=worker, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    worker_client = TestClient()
    worker_client.force_login(worker)
    assert worker_client.get("/").status_code == 200

    admin_client.post(reverse("accounts:user_deactivate", kwargs={"pk": worker.pk}))
    assert worker_client.get("/").status_code == 302


def test_administrator_cannot_deactivate_self(admin_client, admin_user):
    url = reverse("accounts:user_deactivate", kwargs={"pk": admin_user.pk})
    confirm = admin_client.get(url).content.decode()
    assert "You cannot deactivate your own account" in confirm
    assert 'type="submit"' not in confirm.split("<main", 1)[1]

    response = admin_client.post(url)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_cannot_reactivate_into_an_inactive_agency(admin_client, make_user):
    worker = make_user(R.PARTNER_PRACTITIONER, agency="HOUSING", is_active=False)
    Agency.objects.filter(code="HOUSING").update(active=False)
    response = admin_client.post(reverse("accounts:user_reactivate", kwargs={"pk": worker.pk}))
    assert response.status_code == 400
    assert "agency is no longer active" in response.content.decode()


# --- sign-in help --------------------------------------------------------------------------


def test_reset_mfa_removes_authenticators_and_ends_sessions(admin_client, admin_user, make_user):
    from django.test import Client as TestClient

    worker = make_user(R.REFERRAL_OFFICER)
    Authenticator.objects.create(
        user=worker, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    Authenticator.objects.create(
        user=worker, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    worker_client = TestClient()
    worker_client.force_login(worker)
    assert worker_client.get("/").status_code == 200

    detail = admin_client.get(reverse("accounts:user_detail", kwargs={"pk": worker.pk}))
    assert "Set up: " in detail.content.decode()
    url = reverse("accounts:user_reset_mfa", kwargs={"pk": worker.pk})
    assert "Reset multi-factor authentication" in admin_client.get(url).content.decode()
    response = admin_client.post(url)

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=worker).exists()
    assert worker_client.get("/").status_code == 302  # signed out: must sign in and enrol
    page = admin_client.get(response["Location"]).content.decode()
    assert "2 authenticators removed" in page
    assert "Multi-factor authentication reset" in page[page.index('id="history"') :]
    assert worker.history.latest().history_user == admin_user


def test_cannot_reset_own_mfa(admin_client, admin_user):
    response = admin_client.post(reverse("accounts:user_reset_mfa", kwargs={"pk": admin_user.pk}))
    assert response.status_code == 400
    assert Authenticator.objects.filter(user=admin_user).exists()


def test_unlock_clears_failed_sign_ins(admin_client, make_user):
    worker = make_user(R.REFERRAL_OFFICER, username="Locked.Out")
    for name in ("locked.out", "Locked.Out"):
        AccessAttempt.objects.create(
            username=name,
            ip_address="127.0.0.1",
            user_agent="test",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=5,
        )
    detail = admin_client.get(reverse("accounts:user_detail", kwargs={"pk": worker.pk}))
    assert "Locked out" in detail.content.decode()

    response = admin_client.post(reverse("accounts:user_unlock", kwargs={"pk": worker.pk}))
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "Failed sign-ins for" in page and "Sign-in lockout cleared" in page


def test_reset_password_shows_a_new_one_time_password(admin_client, make_user):
    worker = make_user(R.REFERRAL_OFFICER)
    response = admin_client.post(reverse("accounts:user_reset_password", kwargs={"pk": worker.pk}))
    page = admin_client.get(response["Location"]).content.decode()
    password = re.search(r"<code>([a-z0-9-]{24})</code>", page).group(1)
    worker.refresh_from_db()
    assert worker.check_password(password)
    assert "Password reset by an administrator" in page


# --- agencies and teams --------------------------------------------------------------------


def test_agency_list_shows_reference_agencies(admin_client):
    body = admin_client.get(reverse("accounts:agency_list")).content.decode()
    assert "Children&#x27;s Social Care" in body and "Youth Offending Service" in body
    assert "<code>POLICE</code>" in body


def test_create_and_edit_agency(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:agency_create"),
        {
            "code": "cafcass",
            "name": "Cafcass",
            "kind": "virtual",
            "location": "",
            "summary": "Family court advisers.",
            "receives_information_requests": "on",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="CAFCASS")
    assert agency.kind == "virtual" and agency.receives_information_requests
    assert not agency.co_located and agency.active and not agency.is_childrens_social_care
    assert agency.created_by == admin_user
    assert "Agency Cafcass created." in admin_client.get(response["Location"]).content.decode()

    url = reverse("accounts:agency_edit", kwargs={"pk": agency.pk})
    page = admin_client.get(url).content.decode()
    assert "Codes cannot be changed" in page and 'name="code"' not in page
    admin_client.post(
        url,
        {
            "code": "HACKED",
            "name": "Cafcass (Kent)",
            "kind": "virtual",
            "co_located": "on",
            "receives_information_requests": "on",
            "active": "on",
        },
    )
    agency.refresh_from_db()
    assert agency.code == "CAFCASS"
    assert agency.name == "Cafcass (Kent)" and agency.co_located
    assert agency.history.latest().history_user == admin_user
    history = admin_client.get(url).content.decode()
    assert "Cafcass (Kent)" in history[history.index('id="history"') :]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "POLICE"}, "An agency with the code POLICE already exists"),
        ({"code": "bad code!"}, "Enter a code using only letters, numbers and underscores"),
        ({"name": "police"}, "That name is already used by another agency"),
        ({"kind": ""}, "Select whether the agency is a core or virtual partner"),
    ],
)
def test_agency_validation(admin_client, data, message):
    body = admin_client.post(
        reverse("accounts:agency_create"), {"code": "NEW", "name": "New", "kind": "core", **data}
    ).content.decode()
    assert "govuk-error-summary" in body and message in body


def test_agency_with_active_staff_cannot_be_deactivated(admin_client, make_user):
    make_user(R.PARTNER_PRACTITIONER, agency="YOS")
    yos = Agency.objects.get(code="YOS")
    body = admin_client.post(
        reverse("accounts:agency_edit", kwargs={"pk": yos.pk}),
        {"name": yos.name, "kind": yos.kind, "receives_information_requests": "on"},
    ).content.decode()
    assert "still has 1 active staff" in body
    yos.refresh_from_db()
    assert yos.active


def test_childrens_social_care_cannot_be_deactivated(admin_client):
    csc = Agency.objects.get(code="CSC")
    body = admin_client.post(
        reverse("accounts:agency_edit", kwargs={"pk": csc.pk}),
        {"name": csc.name, "kind": csc.kind},
    ).content.decode()
    assert "cannot be deactivated" in body


def test_create_and_edit_team(admin_client, admin_user):
    police = Agency.objects.get(code="POLICE")
    response = admin_client.post(
        reverse("accounts:team_create"),
        {
            "code": "police_mash",
            "name": "Police MASH team",
            "agency": str(police.pk),
            "description": "",
            "email": "police.mash@example.org",
            "receives_handovers": "on",
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(code="POLICE_MASH")
    assert team.agency == police and team.receives_handovers and team.active
    team_list = admin_client.get(reverse("accounts:team_list")).content.decode()
    assert "<code>POLICE_MASH</code>" in team_list

    admin_client.post(
        reverse("accounts:team_edit", kwargs={"pk": team.pk}),
        {"name": "Police MASH", "agency": str(police.pk), "email": "", "active": "on"},
    )
    team.refresh_from_db()
    assert team.name == "Police MASH" and not team.receives_handovers and team.email == ""
    assert team.history.latest().history_user == admin_user


def test_team_with_members_cannot_move_agency(admin_client, make_user):
    team = Team.objects.get(code="MASH")
    make_user(R.MASH_SOCIAL_WORKER, team=team)
    health = Agency.objects.get(code="HEALTH")
    body = admin_client.post(
        reverse("accounts:team_edit", kwargs={"pk": team.pk}),
        {"name": team.name, "agency": str(health.pk), "active": "on"},
    ).content.decode()
    assert "active members in Children&#x27;s Social Care" in body
    team.refresh_from_db()
    assert team.agency.code == "CSC"


def test_team_email_is_validated(admin_client):
    body = admin_client.post(
        reverse("accounts:team_create"),
        {"code": "X", "name": "X", "agency": str(Agency.objects.first().pk), "email": "nope"},
    ).content.decode()
    assert "Enter an email address in the correct format" in body


# --- Django admin --------------------------------------------------------------------------


def test_django_admin_is_for_superusers_only(make_user, signed_in):
    staff_admin = make_user(R.ADMINISTRATOR, is_staff=True)
    client = signed_in(staff_admin)
    assert client.get("/django-admin/accounts/user/").status_code == 403

    superuser = make_user(is_staff=True, is_superuser=True)
    client = signed_in(superuser)
    assert client.get("/django-admin/accounts/user/").status_code == 200
    assert client.get("/django-admin/accounts/agency/").status_code == 200
    user_page = f"/django-admin/accounts/user/{staff_admin.pk}/history/"
    assert client.get(user_page).status_code == 200


def test_django_admin_signs_in_through_allauth():
    response = Client().get("/django-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
