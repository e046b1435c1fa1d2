"""The contact lifecycle in one place: which status may move to which, and the one function
that moves it (optimistic concurrency + row lock + history in the same transaction).

Every transition service (contacts.services, enquiries.services, decisions.services) calls
``contact_transition``; nothing else writes ``Contact.status``.
"""

from django.db import transaction
from django.utils import timezone

from openmash.core.errors import ConflictError, TransitionNotAllowed

from .models import Contact, ContactStatus

S = ContactStatus

#: to-status -> statuses it may be entered from.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECORDED: frozenset({S.SUBMITTED}),
    S.ENQUIRY: frozenset({S.RECORDED}),
    S.ANALYSED: frozenset({S.ENQUIRY}),
    S.DECIDED: frozenset({S.RECORDED, S.ANALYSED}),
}


def contact_transition(
    contact: Contact, *, to_status: str, actor, expected_version: int | None, **fields
) -> Contact:
    """Move ``contact`` to ``to_status``, setting ``fields``, if nobody changed it since the
    caller read ``expected_version``. Raises ConflictError (someone else acted first) or
    TransitionNotAllowed (wrong state). Must be called inside ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("contact_transition must run inside transaction.atomic()")
    locked = Contact.unscoped.select_for_update().get(pk=contact.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"Contact {locked.reference} was changed by someone else while you were working on "
            f"it (it is now '{locked.get_status_display()}'). Your entry has not been saved: "
            "reload the contact, check what changed, and try again."
        )
    allowed_from = TRANSITIONS.get(to_status, frozenset())
    if locked.status not in allowed_from:
        raise TransitionNotAllowed(
            f"Contact {locked.reference} is '{locked.get_status_display()}', so it cannot be "
            f"moved to '{ContactStatus(to_status).label}'."
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.status = to_status
    locked.version += 1
    locked.modified_by = actor
    locked.modified_at = timezone.now()
    locked._history_user = actor
    locked.save(update_fields=["status", "version", "modified_by", "modified_at", *fields])
    # Keep the caller's instance current so it can render the result.
    contact.__dict__.update({k: getattr(locked, k) for k in ("status", "version", *fields)})
    return locked


def next_reference(now=None) -> str:
    """Human-readable, unique contact reference, e.g. C26-000123 (year + sequence).
    The counter row is locked, so concurrent intakes never share a number."""
    from .models import ReferenceCounter

    year = (now or timezone.now()).year
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
    return f"C{year % 100:02d}-{counter.last_value:06d}"
