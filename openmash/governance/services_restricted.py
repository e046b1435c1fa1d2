"""Writes of restricted records and break-glass access.

A restricted person (e.g. a staff member's relative) opens only for the users named on it;
anyone else with normal access gives a reason first (``break_glass_open``). The reason is
written to the access log, kept as a ``BreakGlassAccess`` row and reported to every data
protection officer through the outbox, in the same transaction. Enforcement is in the
selectors that show one person or contact (``selectors.restricted_access_reason``).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import ROLE_CAPABILITIES, Capability
from openmash.accounts.scopes import can_read_contacts
from openmash.audit.services import access_record
from openmash.core.errors import DomainError, NotPermitted, TransitionNotAllowed
from openmash.people.models import Person
from openmash.tasks.services import outbox_enqueue

from .models import BreakGlassAccess, PersonRestriction, RestrictedAccessGrant
from .selectors import BREAK_GLASS_WINDOW

#: A reason shorter than this says nothing ("ok", "need it").
BREAK_GLASS_MIN_REASON = 10


class RestrictionInvalid(DomainError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _require_manager(actor) -> None:
    if not (actor.can(Capability.GOVERNANCE_MANAGE) or actor.can(Capability.CONTACT_DECIDE)):
        raise NotPermitted(
            "Only the data protection officer or a practice manager may restrict records."
        )


def _set_person_flag(person: Person, restricted: bool, actor) -> None:
    locked = Person.unscoped.select_for_update().get(pk=person.pk)
    if locked.restricted == restricted:
        return
    locked.restricted = restricted
    locked.modified_by = actor
    locked._history_user = actor
    locked.save(update_fields=["restricted", "modified_by", "modified_at"])
    person.restricted = restricted


def _grant(person, user, actor, now) -> RestrictedAccessGrant:
    if not user.is_active or not can_read_contacts(user):
        raise RestrictionInvalid(
            f"{user.get_full_name() or user.username} cannot read contacts, so naming them "
            "would give them nothing.",
            "user",
        )
    existing = RestrictedAccessGrant.objects.filter(
        person=person, user=user, revoked_at__isnull=True
    ).first()
    if existing:
        return existing
    grant = RestrictedAccessGrant(
        person=person,
        user=user,
        granted_at=now,
        granted_by=actor,
        created_by=actor,
        modified_by=actor,
    )
    grant._history_user = actor
    grant.save(force_insert=True)
    return grant


def person_restrict(
    person: Person, *, actor, reason: str, named_users: Iterable[User] = ()
) -> PersonRestriction:
    """Restrict ``person``'s record. The named users (and the restricting practice manager,
    who would otherwise be locked out of work in hand) open it without a reason."""
    _require_manager(actor)
    reason = reason.strip()
    if not reason:
        raise RestrictionInvalid("Enter why this record is restricted.", "reason")
    with transaction.atomic():
        if PersonRestriction.objects.filter(person=person, lifted_at__isnull=True).exists():
            raise TransitionNotAllowed("This record is already restricted.")
        now = timezone.now()
        restriction = PersonRestriction(
            person=person,
            reason=reason,
            restricted_at=now,
            restricted_by=actor,
            created_by=actor,
            modified_by=actor,
        )
        restriction._history_user = actor
        restriction.save(force_insert=True)
        _set_person_flag(person, True, actor)
        users = list(named_users)
        if can_read_contacts(actor):
            users.append(actor)
        for user in dict.fromkeys(users):
            _grant(person, user, actor, now)
    return restriction


def person_restriction_lift(restriction: PersonRestriction, *, actor, reason: str) -> None:
    _require_manager(actor)
    reason = reason.strip()
    if not reason:
        raise RestrictionInvalid("Enter why the restriction is lifted.", "lift_reason")
    with transaction.atomic():
        locked = PersonRestriction.objects.select_for_update().get(pk=restriction.pk)
        if locked.lifted_at is not None:
            raise TransitionNotAllowed("This restriction has already been lifted.")
        now = timezone.now()
        locked.lifted_at, locked.lifted_by, locked.lift_reason = now, actor, reason
        locked.modified_by = actor
        locked._history_user = actor
        locked.save(
            update_fields=["lifted_at", "lifted_by", "lift_reason", "modified_by", "modified_at"]
        )
        _set_person_flag(locked.person, False, actor)
        for grant in RestrictedAccessGrant.objects.filter(
            person_id=locked.person_id, revoked_at__isnull=True
        ):
            _revoke(grant, actor, now)


def restricted_access_grant(restriction: PersonRestriction, *, actor, user: User):
    _require_manager(actor)
    if restriction.lifted_at is not None:
        raise TransitionNotAllowed("This restriction has been lifted.")
    with transaction.atomic():
        return _grant(restriction.person, user, actor, timezone.now())


def _revoke(grant: RestrictedAccessGrant, actor, now) -> None:
    grant.revoked_at, grant.revoked_by, grant.modified_by = now, actor, actor
    grant._history_user = actor
    grant.save(update_fields=["revoked_at", "revoked_by", "modified_by", "modified_at"])


def restricted_access_revoke(grant: RestrictedAccessGrant, *, actor) -> None:
    _require_manager(actor)
    with transaction.atomic():
        locked = RestrictedAccessGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.revoked_at is None:
            _revoke(locked, actor, timezone.now())


def _dpo_users():
    roles = [
        code for code, caps in ROLE_CAPABILITIES.items() if Capability.GOVERNANCE_MANAGE in caps
    ]
    return (
        User.objects.filter(is_active=True, roles__code__in=roles)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _openable_people(user):
    """The people whose restricted record ``user`` could open with a reason: those in the
    person index they read, or — a partner practitioner — those on the contacts their agency
    was asked about (the minimum identifying details of an information request)."""
    from openmash.contacts.models import ContactPerson

    on_requests = ContactPerson.objects.for_user(user).values("person_id")
    return Person.unscoped.filter(
        Q(pk__in=Person.objects.for_user(user).values("pk")) | Q(pk__in=on_requests)
    )


def break_glass_open(
    user, person_ids: Iterable, *, reason: str, channel: str
) -> list[BreakGlassAccess]:
    """``user`` gives ``reason`` to open restricted records they are not named on. Each opens
    for ``BREAK_GLASS_WINDOW``; the reason goes into the access log now and with every view in
    the window, and each data protection officer is told (once per access)."""
    reason = " ".join(reason.split())
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise RestrictionInvalid(
            "Enter why you need to open this restricted record, in a sentence.", "reason"
        )
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    people = list(_openable_people(user).filter(pk__in=ids, restricted=True))
    if not people or len(people) != len(ids):
        # Not readable by this user, not restricted, or not a person at all: one answer.
        raise RestrictionInvalid("There is no restricted record to open.", "")
    now = timezone.now()
    accesses = []
    with transaction.atomic():
        for person in people:
            access = BreakGlassAccess(
                user=user,
                person=person,
                reason=reason,
                channel=channel[:200],
                accessed_at=now,
                expires_at=now + BREAK_GLASS_WINDOW,
                created_by=user,
                modified_by=user,
            )
            access._history_user = user
            access.save(force_insert=True)
            access_record(user, person, channel, person_id=person.pk, reason=reason)
            accesses.append(access)
            for dpo in _dpo_users():
                outbox_enqueue(
                    kind="break_glass_access",
                    recipient=dpo.email,
                    subject="OpenMASH: a restricted record was opened with a reason",
                    body=render_to_string(
                        "governance/restricted/email/break_glass.txt",
                        {
                            "access": access,
                            "user": user,
                            "site_url": settings.SITE_URL.rstrip("/"),
                        },
                    ),
                    dedupe_key=f"break-glass:{access.pk}:{dpo.pk}",
                    actor=user,
                )
    return accesses


def break_glass_review(access: BreakGlassAccess, *, actor, note: str = "") -> BreakGlassAccess:
    """The DPO has looked at the reason given (and followed it up if needed)."""
    if not actor.can(Capability.GOVERNANCE_MANAGE):
        raise NotPermitted("Only the data protection officer reviews break-glass access.")
    with transaction.atomic():
        locked = BreakGlassAccess.objects.select_for_update().get(pk=access.pk)
        if locked.reviewed_at is not None:
            return locked
        locked.reviewed_at, locked.reviewed_by = timezone.now(), actor
        locked.review_note, locked.modified_by = note.strip(), actor
        locked._history_user = actor
        locked.save(
            update_fields=[
                "reviewed_at",
                "reviewed_by",
                "review_note",
                "modified_by",
                "modified_at",
            ]
        )
    return locked
