"""Reads of staff accounts, agencies and teams for the administration pages.

These are staff records, not case data, so they are not scoped by agency: only holders of
``staff.manage`` reach the pages that call them (checked in the views). List queries load
agency, team and roles up front so a page costs the same number of queries at 5 users as 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from simple_history.utils import get_m2m_reverse_field_name

from openmash.core.frozen import FrozenRead

from .models import Agency, Role, Team, User
from .roles import ROLE_CAPABILITIES, Capability

# --- users ---------------------------------------------------------------------------------

USER_SORTS = {
    "name": ("last_name", "first_name", "username"),
    "username": ("username",),
    "agency": ("agency__name", "last_name", "first_name"),
    "last_login": ("last_login",),
}
USER_STATUSES = {"active": True, "inactive": False, "all": None}


def user_list(
    *,
    q: str = "",
    agency: Agency | None = None,
    role: str | None = None,
    status: str = "active",
    sort: str = "name",
    descending: bool = False,
) -> QuerySet[User]:
    """Staff for the user list: filtered, sorted, with agency, team and roles preloaded.

    ``q`` matches every word against first name, last name, username or email.
    """
    users = User.objects.select_related("agency", "team").prefetch_related("roles")
    active = USER_STATUSES.get(status)
    if active is not None:
        users = users.filter(is_active=active)
    if agency is not None:
        users = users.filter(agency=agency)
    if role:
        users = users.filter(roles__code=role)
    for word in q.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    keys = USER_SORTS.get(sort, USER_SORTS["name"])
    if sort == "last_login":
        # Never signed in sorts after everyone else, whichever the direction.
        order = [
            F("last_login").desc(nulls_last=True)
            if descending
            else F("last_login").asc(nulls_last=True)
        ]
    else:
        order = [f"-{k}" if descending else k for k in keys]
    return users.order_by(*order, "username", "pk")


def user_for_admin(pk) -> User:
    """One user with agency and team; raises ``User.DoesNotExist``."""
    return User.objects.select_related("agency", "team").prefetch_related("roles").get(pk=pk)


def role_choices() -> list[tuple[str, str, str]]:
    """(code, name, what it allows) for every role, for checkboxes with hints."""
    labels = dict(Capability.choices)
    result = []
    for role in Role.objects.order_by("name"):
        caps = sorted(labels[c] for c in ROLE_CAPABILITIES.get(role.code, ()))
        result.append((role.code, role.name, "; ".join(caps) or "No capabilities"))
    return result


def lockout_usernames(user: User) -> set[str]:
    """The usernames django-axes may have recorded failures under for ``user``: the raw one
    and the one ``AXES_USERNAME_CALLABLE`` normalises it to (e.g. lower case)."""
    from axes.helpers import get_client_username

    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    normalised = get_client_username(None, {"username": user.username, field: user.username})
    return {user.username, normalised} - {None}


@dataclass(frozen=True)
class SignInSecurity:
    """What an administrator needs to help someone who cannot sign in."""

    mfa_methods: list[str]
    failed_sign_ins: int
    failure_limit: int
    locked_out: bool

    @property
    def mfa_enrolled(self) -> bool:
        return bool(self.mfa_methods)


def user_sign_in_security(user: User) -> SignInSecurity:
    """MFA methods set up, and django-axes' failed sign-ins for the username within the
    cool-off period (the same count axes uses to decide a lockout by username)."""
    from axes.models import AccessAttempt

    methods = [
        Authenticator.Type(t).label
        for t in Authenticator.objects.filter(user=user)
        .order_by("type")
        .values_list("type", flat=True)
    ]
    attempts = AccessAttempt.objects.filter(username__in=lockout_usernames(user))
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    if cool_off is not None and not callable(cool_off):
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 3)
    limit = limit if isinstance(limit, int) else 3
    return SignInSecurity(
        mfa_methods=methods,
        failed_sign_ins=failures,
        failure_limit=limit,
        locked_out=failures >= limit,
    )


# --- agencies and teams --------------------------------------------------------------------


def agency_list() -> QuerySet[Agency]:
    """Every agency (active first), with its number of active staff and active teams."""
    return Agency.objects.annotate(
        active_staff=Count("staff", filter=Q(staff__is_active=True), distinct=True),
        active_teams=Count("teams", filter=Q(teams__active=True), distinct=True),
    ).order_by("-active", "name")


def team_list() -> QuerySet[Team]:
    """Every team (active first) with its agency and number of active members."""
    return (
        Team.objects.select_related("agency")
        .annotate(active_members=Count("members", filter=Q(members__is_active=True)))
        .order_by("-active", "agency__name", "name")
    )


def agencies_for_choice(current: Agency | None = None) -> QuerySet[Agency]:
    """Active agencies, plus ``current`` so that editing a record keeps its value valid."""
    condition = Q(active=True)
    if current is not None:
        condition |= Q(pk=current.pk)
    return Agency.objects.filter(condition).order_by("name")


def teams_for_choice(current: Team | None = None) -> QuerySet[Team]:
    condition = Q(active=True)
    if current is not None:
        condition |= Q(pk=current.pk)
    return Team.objects.filter(condition).select_related("agency").order_by("agency__name", "name")


# --- history -------------------------------------------------------------------------------

#: Bookkeeping fields that change on every save and say nothing to a reader.
_HISTORY_HIDDEN = {"id", "created_at", "modified_at", "created_by", "modified_by", "date_joined"}
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    action: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def history_for(obj, limit: int = 50) -> list[HistoryEntry]:
    """The newest ``limit`` changes to ``obj`` (a model with django-simple-history): who made
    each, when, and each field's value before and after. A fixed number of queries."""
    history_model = obj.history.model
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    if not records:
        return []
    model = history_model.instance_type
    fields = [
        f for f in history_model.tracked_fields if f.name not in _HISTORY_HIDDEN and f.editable
    ]
    m2m_snapshots = _m2m_snapshots(history_model, records)
    names = _related_names(fields, records, history_model)

    entries = []
    for newer, older in zip(records[:limit], [*records[1:], None], strict=False):
        changes = []
        if older is not None and newer.history_type == "~":
            for f in fields:
                before, after = getattr(older, f.attname), getattr(newer, f.attname)
                if before != after:
                    changes.append(
                        FieldChange(
                            _label(model, f.name),
                            _display(f, before, names),
                            _display(f, after, names),
                        )
                    )
            for name, snapshot in m2m_snapshots.items():
                before, after = snapshot.get(older.history_id), snapshot.get(newer.history_id)
                if before != after:
                    changes.append(
                        FieldChange(
                            _label(model, name),
                            ", ".join(sorted(before or ())) or "None",
                            ", ".join(sorted(after or ())) or "None",
                        )
                    )
        who = newer.history_user
        entries.append(
            HistoryEntry(
                when=newer.history_date,
                who=(who.get_full_name() or who.username) if who else "System",
                action=_ACTIONS.get(newer.history_type, newer.history_type),
                reason=newer.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _m2m_snapshots(history_model, records) -> dict[str, dict]:
    """For each many-to-many field kept in history: history_id -> frozenset of labels."""
    snapshots: dict[str, dict] = {}
    ids = [r.history_id for r in records]
    for m2m_field in getattr(history_model, "_history_m2m_fields", ()):
        m2m_model = getattr(history_model, m2m_field.name).model
        target = get_m2m_reverse_field_name(m2m_field)
        related = m2m_field.related_model
        label_of = {obj.pk: str(obj) for obj in related.objects.all()}
        per_record: dict = {i: set() for i in ids}
        for history_id, target_id in m2m_model.objects.filter(history_id__in=ids).values_list(
            "history_id", f"{target}_id"
        ):
            per_record[history_id].add(label_of.get(target_id, str(target_id)))
        snapshots[m2m_field.name] = {k: frozenset(v) for k, v in per_record.items()}
    return snapshots


def _related_names(fields, records, history_model) -> dict:
    """Names of the objects foreign keys point at, one query per related model."""
    names: dict = {}
    for f in fields:
        if not f.is_relation:
            continue
        ids = {getattr(r, f.attname) for r in records} - {None}
        if ids:
            for obj in f.related_model._base_manager.filter(pk__in=ids):
                names[(f.related_model, obj.pk)] = str(obj)
    return names


def _label(model, name: str) -> str:
    verbose = str(model._meta.get_field(name).verbose_name)
    return verbose[:1].upper() + verbose[1:]


def _display(f, value, names) -> str:
    if value is None or value == "":
        return "None"
    if f.is_relation:
        return names.get((f.related_model, value), "A record that no longer exists")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


# --- staff named on records -----------------------------------------------------------------

#: What a page shows of the member of staff who recorded, screened or answered something.
STAFF_NAME_FIELDS = ("first_name", "last_name", "username")


#: ``staff_names_attach``'s read, compiled once per number of staff (ADR 0012). Not case data:
#: ``User`` has no scope rule to test.
_STAFF_NAMES = FrozenRead(
    "staff names",
    lambda variant, *, user_ids: User.objects.filter(pk__in=user_ids).only(*STAFF_NAME_FIELDS),
    models=(User,),
    values=("user_ids",),
)


def staff_names_attach(links) -> None:
    """Load the staff that records point to (``links``: ``(record, field_name)`` pairs, each
    field a foreign key to ``User``; a record may be None) with one query for all, names only,
    and set each record's related-object cache, so ``record.screened_by.get_full_name()``
    costs no query.

    Cheaper than joining each user to the records' own query: a contact page names up to
    twenty users, and each join added seventeen columns to build and read (ADR 0011). Staff
    names are shown to every member of staff, so no case-data scope applies; any other field
    of these users is deferred and would cost a query of its own (the page query-count tests
    would catch it).
    """
    links = [(record, name) for record, name in links if record is not None]
    fields = {}
    for record, name in links:
        key = (type(record), name)
        if key not in fields:
            fields[key] = record._meta.get_field(name)
    ids = {getattr(record, fields[type(record), name].attname) for record, name in links}
    ids.discard(None)
    users = {u.pk: u for u in _STAFF_NAMES.rows(user_ids=list(ids))}
    for record, name in links:
        field = fields[type(record), name]
        user_id = getattr(record, field.attname)
        if user_id is None or user_id in users:
            field.set_cached_value(record, users.get(user_id))
