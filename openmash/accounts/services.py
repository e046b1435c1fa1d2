"""Every write to staff accounts, agencies and teams, with the rules that keep access safe.

Views, the Django admin's callers, management commands and the API all come through here so
that the rules below hold whichever door a change comes in by:

* an administrator cannot deactivate their own account, reset their own MFA or remove their
  own administrator role (another administrator must do it, so nobody locks themselves out
  by accident and security resets always involve a second person);
* the last active administrator can neither be deactivated nor lose the role, or nobody
  would be left to manage staff;
* every user has an active agency and at least one role; a team must belong to the user's
  agency (the agency firewall follows the agency, so a team from another agency would be
  misleading);
* a partner agency MASH practitioner must belong to a partner agency, never to children's
  social care, and cannot also hold a role that reads children's social care records —
  either combination would let a partner see what the firewall is there to hide;
* agency and team codes never change once created (partner systems and records refer to them).

Audit: every model here has django-simple-history. Each service saves through the ORM and sets
``_history_user`` on the instance, so the historical record names the administrator whether the
call came from a request (where simple_history's middleware would also supply it) or not.
The audit app turns each historical record into a hash-chained audit entry. Actions that change
no tracked field (MFA reset, unlock, password reset) write a historical record carrying a
change reason, so they appear in the user's history, and an explicit audit entry.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from importlib import import_module

from allauth.mfa.models import Authenticator
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.audit.services import audit_record
from openmash.core.errors import DomainError

from .models import Agency, Role, Team, User
from .roles import ROLE_CAPABILITIES
from .roles import Capability as C
from .roles import Role as R
from .selectors import lockout_usernames

logger = logging.getLogger("openmash.security")


class StaffRuleBroken(DomainError):
    """A staff-management rule was broken. ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


#: Roles whose capabilities include reading children's social care records.
CSC_RECORD_ROLES = frozenset(
    code for code, caps in ROLE_CAPABILITIES.items() if C.CONTACT_VIEW in caps
)

# Fields an administrator may edit on each model (codes are deliberately absent).
USER_FIELDS = ("username", "first_name", "last_name", "email", "phone", "job_title")
AGENCY_FIELDS = (
    "name",
    "kind",
    "co_located",
    "location",
    "summary",
    "receives_information_requests",
    "active",
)
TEAM_FIELDS = ("name", "agency", "description", "email", "receives_handovers", "active")

# Readable, unambiguous characters for one-time passwords read out or copied by hand.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet


# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserCreated:
    user: User
    #: Set when the service generated the password: show it once, never store it elsewhere.
    one_time_password: str | None


def generate_one_time_password() -> str:
    """Five groups of four random characters (about 99 bits): long enough for every
    validator, and easy to read out over the phone."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(5))


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    agency: Agency,
    roles,
    team: Team | None = None,
    job_title: str = "",
    phone: str = "",
    password: str | None = None,
) -> UserCreated:
    """Create an active staff account. Without ``password`` a one-time password is generated
    and returned (it is not kept anywhere else)."""
    roles = list(roles)
    username = username.strip()
    _check_username_free(username)
    _check_agency_team_roles(agency=agency, team=team, role_codes={r.code for r in roles})
    if agency is not None and not agency.active:
        raise _inactive_agency(agency)

    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        agency=agency,
        team=team,
        job_title=job_title.strip(),
        phone=phone.strip(),
        is_active=True,
        # The administrator knows this password (typed or shown): the user replaces it.
        must_change_password=True,
    )
    generated = None
    if not password:
        password = generated = generate_one_time_password()
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise StaffRuleBroken(" ".join(exc.messages), "password") from exc
    user.set_password(password)
    user._history_user = actor
    user.save()
    # The "+" record above is the account's creation; this adds one more for its roles.
    user.roles.set(roles)
    logger.info("staff user created: user=%s by=%s", user.pk, actor.pk)
    return UserCreated(user=user, one_time_password=generated)


@transaction.atomic
def user_update(*, actor: User, user: User, roles, agency: Agency, team: Team | None, **fields):
    """Change a user's details, agency, team and roles; one historical record per edit.

    Returns the names of the fields that changed (empty if nothing did: nothing is saved).
    """
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"user_update does not change {sorted(unknown)}")
    roles = list(roles)
    user = _lock(user)
    new_role_codes = {r.code for r in roles}
    old_role_codes = set(user.roles.values_list("code", flat=True))

    if "username" in fields:
        fields["username"] = fields["username"].strip()
        if fields["username"] != user.username:
            _check_username_free(fields["username"], exclude=user)
    if agency != user.agency and agency is not None and not agency.active:
        raise _inactive_agency(agency)
    _check_agency_team_roles(agency=agency, team=team, role_codes=new_role_codes)
    _check_administrator_kept(actor, user, new_role_codes, still_active=user.is_active)

    changed = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if user.agency_id != (agency.pk if agency else None):
        user.agency = agency
        changed.append("agency")
    if user.team_id != (team.pk if team else None):
        user.team = team
        changed.append("team")
    if new_role_codes != old_role_codes:
        changed.append("roles")
    if not changed:
        return []

    # Roles are set without their own historical records; the save below then writes one
    # record holding both the field changes and the new set of roles.
    user.skip_history_when_saving = True
    try:
        user.roles.set(roles)
    finally:
        del user.skip_history_when_saving
    user._history_user = actor
    user.save()
    logger.info("staff user changed: user=%s fields=%s by=%s", user.pk, changed, actor.pk)
    return changed


def user_deactivate_problem(*, actor: User, user: User) -> str | None:
    """Why ``actor`` may not deactivate ``user`` now, or None. Shown before asking to confirm."""
    if not user.is_active:
        return f"{user} is already deactivated."
    if user.pk == actor.pk:
        return "You cannot deactivate your own account. Ask another administrator."
    if _is_last_administrator(user):
        return (
            f"{user} is the only active administrator. Give another user the administrator "
            "role first, or nobody will be able to manage staff."
        )
    return None


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop a user signing in (accounts are never deleted: their history must stay readable)
    and end any session they have open."""
    user = _lock(user)
    problem = user_deactivate_problem(actor=actor, user=user)
    if problem:
        raise StaffRuleBroken(problem)
    user.is_active = False
    user._history_user = actor
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    logger.info("staff user deactivated: user=%s by=%s", user.pk, actor.pk)
    return user


def user_reactivate_problem(*, actor: User, user: User) -> str | None:
    if user.is_active:
        return f"{user} is already active."
    if user.agency is None or not user.agency.active:
        return (
            f"{user}'s agency is no longer active. Edit the user and choose an active agency "
            "before reactivating the account."
        )
    return None


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    user = _lock(user)
    problem = user_reactivate_problem(actor=actor, user=user)
    if problem:
        raise StaffRuleBroken(problem)
    user.is_active = True
    user._history_user = actor
    user.save(update_fields=["is_active"])
    logger.info("staff user reactivated: user=%s by=%s", user.pk, actor.pk)
    return user


def user_reset_mfa_problem(*, actor: User, user: User) -> str | None:
    if user.pk == actor.pk:
        return (
            "You cannot reset your own multi-factor authentication. Ask another administrator, "
            "so that a second person confirms who is asking."
        )
    return None


@transaction.atomic
def user_reset_mfa(*, actor: User, user: User) -> int:
    """Delete the user's authenticators (app, recovery codes, security keys) and end their
    sessions, so they must set up multi-factor authentication again at next sign-in.

    Returns how many authenticators were removed.
    """
    user = _lock(user)
    problem = user_reset_mfa_problem(actor=actor, user=user)
    if problem:
        raise StaffRuleBroken(problem)
    removed, _ = Authenticator.objects.filter(user=user).delete()
    _record_event(
        user, actor, "Multi-factor authentication reset", "mfa_reset", authenticators=removed
    )
    # The MFA middleware remembers enrolment in the session: ending sessions forces the check.
    _end_sessions(user)
    logger.warning("staff MFA reset: user=%s authenticators=%s by=%s", user.pk, removed, actor.pk)
    return removed


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Clear django-axes' failed sign-in records for the user's username (ends a lockout).

    Returns how many failure records were cleared. Lockouts by IP address are left alone: they
    protect against someone trying many usernames from one place.
    """
    user = _lock(user)
    cleared = sum(axes_reset(username=name) for name in lockout_usernames(user))
    _record_event(user, actor, "Sign-in lockout cleared", "lockout_cleared", records=cleared)
    logger.warning("staff lockout cleared: user=%s records=%s by=%s", user.pk, cleared, actor.pk)
    return cleared


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Replace the user's password with a new one-time password and return it (show it once).

    Changing the password also signs the user out everywhere (Django's session hash).
    """
    user = _lock(user)
    if user.pk == actor.pk:
        raise StaffRuleBroken("Change your own password from your account settings instead.")
    password = generate_one_time_password()
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    # The password itself is not kept in history; the record says it was reset, and by whom.
    _record_event(
        user,
        actor,
        "Password reset by an administrator",
        "password_reset",
        saving=["password", "must_change_password"],
    )
    logger.warning("staff password reset: user=%s by=%s", user.pk, actor.pk)
    return password


def password_change_requirement_clear(user: User) -> None:
    """The user chose a new password of their own (allauth's change or reset-by-email page):
    the one an administrator knew is gone, so sign-in no longer sends them to change it."""
    if not user.must_change_password:
        return
    user.must_change_password = False
    user._history_user = user
    user.save(update_fields=["must_change_password"])
    logger.info("staff password changed after an administrator set it: user=%s", user.pk)


# --- agencies ------------------------------------------------------------------------------


@transaction.atomic
def agency_create(*, actor: User, code: str, name: str, kind: str, **fields) -> Agency:
    """Create an agency. New agencies are never children's social care: there is exactly one,
    loaded with the reference data."""
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"agency_create does not set {sorted(unknown)}")
    code = _normalise_code(code)
    if Agency.objects.filter(code__iexact=code).exists():
        raise StaffRuleBroken(f"An agency with the code {code} already exists.", "code")
    name = name.strip()
    _check_name_free(Agency, name)
    agency = Agency(
        code=code,
        name=name,
        kind=kind,
        is_childrens_social_care=False,
        created_by=actor,
        modified_by=actor,
        **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
    )
    agency._history_user = actor
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, actor: User, agency: Agency, **fields) -> list[str]:
    """Change an agency's editable details; returns the changed field names."""
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"agency_update does not change {sorted(unknown)}")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if fields["name"] != agency.name:
            _check_name_free(Agency, fields["name"], exclude=agency)
    if agency.is_childrens_social_care:
        if fields.get("receives_information_requests"):
            raise StaffRuleBroken(
                "Children's social care sends information requests; it cannot receive them.",
                "receives_information_requests",
            )
        if fields.get("active") is False:
            raise StaffRuleBroken(
                "Children's social care cannot be deactivated: it owns every contact.", "active"
            )
    if fields.get("active") is False and agency.active:
        staff = agency.staff.filter(is_active=True).count()
        if staff:
            raise StaffRuleBroken(
                f"{agency.name} still has {staff} active staff. Move or deactivate them before "
                "deactivating the agency.",
                "active",
            )
        teams = agency.teams.filter(active=True).count()
        if teams:
            raise StaffRuleBroken(
                f"{agency.name} still has {teams} active teams. Deactivate them first.", "active"
            )
    return _apply_changes(agency, fields, actor)


# --- teams ---------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: User, code: str, name: str, agency: Agency, **fields) -> Team:
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"team_create does not set {sorted(unknown)}")
    code = _normalise_code(code)
    if Team.objects.filter(code__iexact=code).exists():
        raise StaffRuleBroken(f"A team with the code {code} already exists.", "code")
    name = name.strip()
    _check_name_free(Team, name)
    if not agency.active:
        raise _inactive_agency(agency)
    team = Team(
        code=code,
        name=name,
        agency=agency,
        created_by=actor,
        modified_by=actor,
        **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
    )
    team._history_user = actor
    team.save()
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, **fields) -> list[str]:
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"team_update does not change {sorted(unknown)}")
    team = Team.objects.select_for_update(of=("self",)).select_related("agency").get(pk=team.pk)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if fields["name"] != team.name:
            _check_name_free(Team, fields["name"], exclude=team)
    new_agency = fields.get("agency", team.agency)
    if new_agency.pk != team.agency_id:
        if not new_agency.active:
            raise _inactive_agency(new_agency)
        members = team.members.filter(is_active=True).count()
        if members:
            raise StaffRuleBroken(
                f"{team.name} has {members} active members in {team.agency.name}. Move them to "
                "another team before moving the team to a different agency.",
                "agency",
            )
    return _apply_changes(team, fields, actor)


# --- shared --------------------------------------------------------------------------------


def _lock(user: User) -> User:
    """Re-read the user under a row lock so two administrators cannot race a rule check."""
    return (
        User.objects.select_for_update(of=("self",))
        .select_related("agency", "team")
        .get(pk=user.pk)
    )


def _apply_changes(obj, fields: dict, actor: User) -> list[str]:
    changed = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    if changed:
        obj.modified_by = actor
        obj._history_user = actor
        obj.save(update_fields=[*changed, "modified_by", "modified_at"])
    return changed


def _record_event(
    user: User, actor: User, reason: str, action: str, saving: list[str] | None = None, **details
) -> None:
    """Record an action that changes no tracked field of the user (MFA reset, unlock).

    Two records, both in this transaction: a historical record carrying the reason, so the
    action shows in the user's history on their page (``last_login`` is excluded from history,
    so saving it unchanged costs one small UPDATE); and an audit-chain entry, because the audit
    log skips historical records that change nothing.
    """
    user._history_user = actor
    user._change_reason = reason
    user.save(update_fields=["last_login", *(saving or [])])
    audit_record(actor, AuditEntry.Verb.UPDATED, user, {"action": action, **details}, reason=reason)


def _end_sessions(user: User) -> None:
    """Delete every stored session belonging to ``user`` (database-backed sessions only)."""
    engine = settings.SESSION_ENGINE
    if engine not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return
    from django.contrib.sessions.models import Session

    store = import_module(engine).SessionStore
    user_key = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == user_key:
            store(session_key=session.session_key).delete()


def _inactive_agency(agency: Agency) -> StaffRuleBroken:
    return StaffRuleBroken(f"{agency.name} is no longer active. Choose an active agency.", "agency")


def _normalise_code(code: str) -> str:
    code = code.strip().upper().replace("-", "_").replace(" ", "_")
    if not code or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in code):
        raise StaffRuleBroken(
            "Enter a code using only letters, numbers and underscores, like POLICE", "code"
        )
    return code


def _check_name_free(model, name: str, exclude=None) -> None:
    clash = model.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise StaffRuleBroken(
            f"That name is already used by another {model._meta.verbose_name}.", "name"
        )


def _check_username_free(username: str, exclude: User | None = None) -> None:
    # Case-insensitive: sign-in matches usernames without regard to case.
    clash = User.objects.filter(username__iexact=username)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise StaffRuleBroken("A user with that username already exists.", "username")


def _check_agency_team_roles(*, agency: Agency | None, team: Team | None, role_codes) -> None:
    if agency is None:
        raise StaffRuleBroken("Select the user's agency.", "agency")
    if not role_codes:
        raise StaffRuleBroken("Select at least one role.", "roles")
    if team is not None and team.agency_id != agency.pk:
        raise StaffRuleBroken(
            f"{team.name} belongs to {team.agency.name}. Choose a team of {agency.name}, or no "
            "team.",
            "team",
        )
    if R.PARTNER_PRACTITIONER in role_codes:
        if agency.is_childrens_social_care:
            raise StaffRuleBroken(
                "A partner agency MASH practitioner must belong to a partner agency, not to "
                "children's social care.",
                "roles",
            )
        mixed = sorted(
            Role.objects.filter(code__in=role_codes & CSC_RECORD_ROLES).values_list(
                "name", flat=True
            )
        )
        if mixed:
            raise StaffRuleBroken(
                "A partner agency MASH practitioner cannot also be "
                f"{', '.join(mixed)}: that role reads children's social care records, which "
                "partners must not see.",
                "roles",
            )


def _active_administrators():
    return User.objects.filter(is_active=True, roles__code=R.ADMINISTRATOR)


def _is_last_administrator(user: User) -> bool:
    administrators = _active_administrators()
    return (
        administrators.filter(pk=user.pk).exists()
        and not administrators.exclude(pk=user.pk).exists()
    )


def _check_administrator_kept(actor: User, user: User, new_role_codes, still_active: bool):
    if R.ADMINISTRATOR in new_role_codes or not user.roles.filter(code=R.ADMINISTRATOR).exists():
        return
    if user.pk == actor.pk:
        raise StaffRuleBroken(
            "You cannot remove your own administrator role. Ask another administrator.", "roles"
        )
    if still_active and _is_last_administrator(user):
        raise StaffRuleBroken(
            f"{user} is the only active administrator. Give another user the administrator "
            "role first.",
            "roles",
        )
