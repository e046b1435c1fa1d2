"""Put every django-simple-history record into the audit chain.

Every domain model keeps ``history = HistoricalRecords()``. Connecting to simple-history's
``post_create_historical_record`` (in ``AuditConfig.ready``) means each saved, changed or
deleted record also writes a CHANGE entry with its before/after values, in the same transaction
as the save, without every service having to remember to. Services still call ``audit_record``
for what history cannot see (a transition's meaning, an export, a disclosure).

A model whose records are about one person exposes that person's id as ``audit_person_id``
(an attribute or property), so the DPO's search by person finds changes as well as views.

Bulk helpers (``bulk_create_with_history``) send no signal: do not use them for audited records.
"""

from django.db.models import Q
from django.forms.models import model_to_dict
from simple_history.models import HistoricalRecords
from simple_history.utils import get_history_manager_from_history, get_m2m_reverse_field_name

from .models import AuditEntry
from .services import AuditTarget, audit_record, channel_from_request

_VERBS = {
    "+": AuditEntry.Verb.CREATED,
    "~": AuditEntry.Verb.UPDATED,
    "-": AuditEntry.Verb.DELETED,
}


def record_history_in_audit_chain(
    sender, instance, history_instance, history_user=None, history_change_reason=None, **kwargs
):
    """Signal receiver: one CHANGE entry per historical record (a no-op save writes none)."""
    verb = _VERBS[history_instance.history_type]
    if verb == AuditEntry.Verb.UPDATED:
        previous = previous_historical_record(history_instance)
        changes = history_changes(previous, history_instance) if previous else None
        if changes is None:  # history began after the record was created
            changes = _snapshot(history_instance, as_new=True)
        if not changes:
            return
    else:
        changes = _snapshot(history_instance, as_new=verb == AuditEntry.Verb.CREATED)

    pk = str(getattr(history_instance, instance._meta.pk.attname))
    audit_record(
        history_user,
        verb,
        AuditTarget(instance._meta.label_lower, pk, _label(instance, pk)),
        {
            "changes": changes,
            "history": {
                "model": sender._meta.label_lower,
                "id": history_instance.history_id,
            },
        },
        person_id=getattr(instance, "audit_person_id", None),
        reason=history_change_reason or "",
        channel=_current_channel(),
    )


def _current_channel() -> str:
    """The route of the request making the change (simple-history's middleware keeps it), or
    "" for changes made outside a request: jobs, commands, the shell."""
    request = getattr(HistoricalRecords.context, "request", None)
    return channel_from_request(request) if request is not None else ""


def _label(instance, pk: str) -> str:
    """``str(instance)``, or a plain fallback: a broken ``__str__`` must not stop the save."""
    try:
        return str(instance)
    except Exception:  # noqa: BLE001 - any failure here only costs the label
        return f"{instance._meta.verbose_name} {pk}"


def previous_historical_record(history_instance):
    """The record's history entry just before this one.

    simple-history's ``prev_record`` compares dates only, so two saves in the same microsecond
    would find nothing; the history id breaks the tie.
    """
    when = history_instance.history_date
    return (
        get_history_manager_from_history(history_instance)
        .filter(
            Q(history_date__lt=when)
            | Q(history_date=when, history_id__lt=history_instance.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )


def history_changes(previous, current) -> dict:
    """``{field: {"old", "new"}}`` between two historical records; many-to-many fields are
    reduced to the sorted ids of the related records (e.g. a user's role codes)."""
    delta = current.diff_against(previous)
    m2m_fields = {f.name: f for f in current.instance_type._meta.many_to_many}
    changes = {}
    for change in delta.changes:
        old, new = change.old, change.new
        if change.field in m2m_fields:
            related = get_m2m_reverse_field_name(m2m_fields[change.field])
            old = sorted(str(row[related]) for row in old)
            new = sorted(str(row[related]) for row in new)
        changes[change.field] = {"old": old, "new": new}
    return changes


def _snapshot(history_instance, *, as_new: bool) -> dict:
    """Every tracked, editable field's value, as what was created or what was deleted."""
    m2m = {f.name for f in history_instance._history_m2m_fields}
    fields = [f.name for f in history_instance.tracked_fields if f.editable and f.name not in m2m]
    values = model_to_dict(history_instance, fields=fields)
    return {
        name: {"old": None, "new": value} if as_new else {"old": value, "new": None}
        for name, value in sorted(values.items())
        if value not in (None, "")
    }
