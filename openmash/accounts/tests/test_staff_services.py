"""Staff-management rules, called directly: they hold for every caller, not just the pages."""

import pytest
from django.contrib.auth.password_validation import validate_password

from openmash.accounts import services
from openmash.accounts.models import Agency, Role, Team, User
from openmash.accounts.roles import Role as R
from openmash.accounts.services import StaffRuleBroken

pytestmark = pytest.mark.django_db


def _roles(*codes):
    return list(Role.objects.filter(code__in=codes))


def _create(actor, **overrides):
    kwargs = {
        "actor": actor,
        "username": "new.user",
        "first_name": "New",
        "last_name": "User",
        "email": "new.user@example.org",
        "agency": Agency.objects.get(code="CSC"),
        "roles": _roles(R.REFERRAL_OFFICER),
    }
    kwargs.update(overrides)
    return services.user_create(**kwargs)


def test_generated_passwords_pass_the_validators_and_differ():
    passwords = {services.generate_one_time_password() for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        validate_password(password)


def test_create_records_the_actor_without_a_request(make_user):
    admin = make_user(R.ADMINISTRATOR)
    created = _create(admin)
    assert created.one_time_password
    records = list(created.user.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~"]  # created, then its roles
    assert {r.history_user for r in records} == {admin}


def test_team_must_belong_to_the_agency(make_user):
    admin = make_user(R.ADMINISTRATOR)
    with pytest.raises(StaffRuleBroken) as error:
        _create(admin, team=Team.objects.get(code="EARLY_HELP"))
    assert error.value.field == "team"


def test_inactive_agency_cannot_be_chosen(make_user):
    admin = make_user(R.ADMINISTRATOR)
    housing = Agency.objects.get(code="HOUSING")
    housing.active = False
    housing.save()
    with pytest.raises(StaffRuleBroken, match="no longer active"):
        _create(admin, agency=housing, roles=_roles(R.PARTNER_PRACTITIONER))


def test_moving_a_partner_practitioner_into_csc_is_refused(make_user):
    admin = make_user(R.ADMINISTRATOR)
    partner = make_user(R.PARTNER_PRACTITIONER, agency="POLICE")
    with pytest.raises(StaffRuleBroken, match="must belong to a partner agency"):
        services.user_update(
            actor=admin,
            user=partner,
            roles=_roles(R.PARTNER_PRACTITIONER),
            agency=Agency.objects.get(code="CSC"),
            team=None,
        )


def test_last_administrator_is_kept(make_user):
    """A management command or job acting as a non-administrator cannot remove the last one."""
    system = make_user(R.DPO)
    admin = make_user(R.ADMINISTRATOR)
    assert services.user_deactivate_problem(actor=system, user=admin)
    with pytest.raises(StaffRuleBroken, match="only active administrator"):
        services.user_deactivate(actor=system, user=admin)
    with pytest.raises(StaffRuleBroken, match="only active administrator"):
        services.user_update(
            actor=system, user=admin, roles=_roles(R.DPO), agency=admin.agency, team=None
        )

    make_user(R.ADMINISTRATOR)  # a second administrator makes both changes possible
    services.user_deactivate(actor=system, user=admin)
    admin.refresh_from_db()
    assert not admin.is_active


def test_update_writes_one_history_record_for_fields_and_roles(make_user):
    admin = make_user(R.ADMINISTRATOR)
    worker = make_user(R.REFERRAL_OFFICER)
    before = worker.history.count()
    changed = services.user_update(
        actor=admin,
        user=worker,
        roles=_roles(R.REFERRAL_OFFICER, R.PRACTICE_MANAGER),
        agency=worker.agency,
        team=Team.objects.get(code="SPA"),
        job_title="Senior referral officer",
    )
    assert set(changed) == {"job_title", "team", "roles"}
    assert worker.history.count() == before + 1
    latest = worker.history.latest()
    assert latest.history_user == admin
    assert set(latest.roles.values_list("role_id", flat=True)) == {
        R.REFERRAL_OFFICER,
        R.PRACTICE_MANAGER,
    }


def test_update_refuses_unknown_fields(make_user):
    admin = make_user(R.ADMINISTRATOR)
    with pytest.raises(TypeError):
        services.user_update(
            actor=admin,
            user=admin,
            roles=_roles(R.ADMINISTRATOR),
            agency=admin.agency,
            team=None,
            is_superuser=True,
        )


def test_codes_are_normalised_and_unique(make_user):
    admin = make_user(R.ADMINISTRATOR)
    agency = services.agency_create(
        actor=admin, code=" new-partner ", name="New partner", kind=Agency.Kind.VIRTUAL
    )
    assert agency.code == "NEW_PARTNER"
    with pytest.raises(StaffRuleBroken, match="already exists"):
        services.agency_create(
            actor=admin, code="New_Partner", name="Another", kind=Agency.Kind.VIRTUAL
        )
    team = services.team_create(actor=admin, code="np team", name="NP team", agency=agency)
    assert team.code == "NP_TEAM"


def test_agency_update_cannot_change_code_or_csc_flag(make_user):
    admin = make_user(R.ADMINISTRATOR)
    police = Agency.objects.get(code="POLICE")
    for field in ("code", "is_childrens_social_care"):
        with pytest.raises(TypeError):
            services.agency_update(actor=admin, agency=police, **{field: "X"})


def test_csc_cannot_receive_information_requests(make_user):
    admin = make_user(R.ADMINISTRATOR)
    csc = Agency.objects.get(code="CSC")
    with pytest.raises(StaffRuleBroken, match="cannot receive"):
        services.agency_update(actor=admin, agency=csc, receives_information_requests=True)


def test_agency_with_active_teams_cannot_be_deactivated(make_user):
    admin = make_user(R.ADMINISTRATOR)
    send = Agency.objects.get(code="SEND")
    with pytest.raises(StaffRuleBroken, match="active teams"):
        services.agency_update(actor=admin, agency=send, active=False)
    services.team_update(actor=admin, team=Team.objects.get(code="SEND_0_25"), active=False)
    assert services.agency_update(actor=admin, agency=send, active=False) == ["active"]


def test_password_reset_keeps_no_password_in_history(make_user):
    admin = make_user(R.ADMINISTRATOR)
    worker = make_user(R.REFERRAL_OFFICER)
    password = services.user_reset_password(actor=admin, user=worker)
    worker.refresh_from_db()
    assert worker.check_password(password)
    latest = worker.history.latest()
    assert latest.history_change_reason == "Password reset by an administrator"
    assert not hasattr(latest, "password")
    with pytest.raises(StaffRuleBroken):
        services.user_reset_password(actor=admin, user=admin)


def test_mfa_reset_and_unlock_are_in_the_audit_log(make_user):
    from openmash.audit.models import AuditEntry

    admin = make_user(R.ADMINISTRATOR)
    worker = make_user(R.REFERRAL_OFFICER)
    services.user_reset_mfa(actor=admin, user=worker)
    services.user_unlock(actor=admin, user=worker)
    entries = AuditEntry.objects.filter(target_id=str(worker.pk), actor=admin)
    actions = {e.payload.get("action") for e in entries}
    assert {"mfa_reset", "lockout_cleared"} <= actions


def test_usernames_are_unique_ignoring_case(make_user):
    admin = make_user(R.ADMINISTRATOR, username="Someone")
    with pytest.raises(StaffRuleBroken, match="already exists"):
        _create(admin, username="someone")
    assert User.objects.filter(username__iexact="someone").count() == 1


def test_an_administrator_set_password_must_be_changed(make_user):
    """Created (generated or typed password) or reset by an administrator: the user must
    choose their own at next sign-in."""
    admin = make_user(R.ADMINISTRATOR)
    generated = _create(actor=admin, username="gen.user").user
    typed = _create(actor=admin, username="typed.user", password="a sensible long passphrase")
    assert generated.must_change_password and typed.user.must_change_password
    worker = make_user(R.REFERRAL_OFFICER)
    assert not worker.must_change_password
    services.user_reset_password(actor=admin, user=worker)
    worker.refresh_from_db()
    assert worker.must_change_password
    services.password_change_requirement_clear(worker)
    worker.refresh_from_db()
    assert not worker.must_change_password


def test_demo_users_are_never_forced_to_change_their_password(agencies, make_user):
    """The demo credentials are published for trying the system (and browser tests use
    them): a reset by an administrator is undone by the next demo load."""
    from openmash.accounts.demo import create_demo_staff

    credentials = {c["username"]: c for c in create_demo_staff({})}
    assert not User.objects.filter(must_change_password=True).exists()
    rio = User.objects.get(username="rio")
    services.user_reset_password(actor=make_user(R.ADMINISTRATOR), user=rio)
    create_demo_staff(credentials)
    rio.refresh_from_db()
    assert not rio.must_change_password and rio.check_password(credentials["rio"]["password"])
