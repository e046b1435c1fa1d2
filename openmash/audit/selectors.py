"""Every read of the audit log. Only holders of ``audit.view`` (DPO, administrators) see any of
it; everyone else gets nothing, whichever page or job asks.

A read that can include access entries seals the pending ones into the chain first
(``services.seal_pending``, ADR 0008), so no view is missing from what the DPO sees; it costs
one small query when nothing is pending. Change histories need no sealing: changes are chained
as they are made."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from openmash.accounts.roles import Capability

from .models import AuditEntry
from .services import seal_pending


@dataclass(frozen=True)
class AuditSearch:
    """The DPO's filters. Kept in the session between pages, never in the URL."""

    person_id: UUID | None = None
    username: str = ""
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""

    @property
    def is_empty(self) -> bool:
        return self == AuditSearch()

    def to_session(self) -> dict:
        data = asdict(self)
        data["person_id"] = str(self.person_id) if self.person_id else ""
        data["date_from"] = self.date_from.isoformat() if self.date_from else ""
        data["date_to"] = self.date_to.isoformat() if self.date_to else ""
        return data

    @classmethod
    def from_session(cls, data) -> "AuditSearch":
        """Tolerant of missing or stale session data: anything unreadable is dropped."""
        if not isinstance(data, dict):
            return cls()

        def parse(convert, value):
            try:
                return convert(value) if value else None
            except (TypeError, ValueError):
                return None

        kind = data.get("kind", "")
        return cls(
            person_id=parse(UUID, data.get("person_id")),
            username=str(data.get("username") or "")[:150],
            date_from=parse(date.fromisoformat, data.get("date_from")),
            date_to=parse(date.fromisoformat, data.get("date_to")),
            kind=kind if kind in AuditEntry.Kind.values else "",
        )


def _can_read(user) -> bool:
    return bool(user and user.is_authenticated and user.can(Capability.AUDIT_VIEW))


def _start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in the service's time zone (Europe/London)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries_search(user, search: AuditSearch) -> QuerySet[AuditEntry]:
    """Entries matching ``search``, newest first, with their actors in the same query. Pending
    access entries are sealed first, so the results include every view written so far."""
    if not _can_read(user):
        return AuditEntry.objects.none()
    seal_pending()
    entries = AuditEntry.objects.select_related("actor")
    if search.person_id:
        entries = entries.filter(person_id=search.person_id)
    if search.username:
        entries = entries.filter(actor__username__iexact=search.username)
    if search.date_from:
        entries = entries.filter(occurred_at__gte=_start_of_day(search.date_from))
    if search.date_to:
        entries = entries.filter(occurred_at__lt=_start_of_day(search.date_to + timedelta(days=1)))
    if search.kind:
        entries = entries.filter(kind=search.kind)
    return entries.order_by("-occurred_at", "-sequence")


def audit_entry_get(user, sequence: int) -> AuditEntry:
    """One entry; ``AuditEntry.DoesNotExist`` if it does not exist or the user may not see it.
    (A pending access entry has no sequence yet, so nothing asks for one by its number.)"""
    if not _can_read(user):
        raise AuditEntry.DoesNotExist
    return AuditEntry.objects.select_related("actor").get(sequence=sequence)


def audit_changes_for_record(user, target_type: str, target_id: str) -> QuerySet[AuditEntry]:
    """The change history of one record, newest first."""
    if not _can_read(user):
        return AuditEntry.objects.none()
    return (
        AuditEntry.objects.select_related("actor")
        .filter(kind=AuditEntry.Kind.CHANGE, target_type=target_type, target_id=target_id)
        .order_by("-sequence")
    )
