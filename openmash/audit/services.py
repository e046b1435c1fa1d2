"""Every write to the audit log, and the chain check other code calls.

Call ``audit_record`` / ``access_record`` inside the transaction that makes the change (or shows
the record), so a change cannot commit without its entry and an entry cannot outlive a change that
was rolled back. Each call locks the chain head until that transaction ends, so audited writes
are serialised: keep the work after the audit call short.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from .chain import ChainVerification, entry_hash_for, normalise_payload, verify_chain
from .models import GENESIS_HASH, AuditChainHead, AuditEntry

__all__ = [
    "AuditTarget",
    "ChainVerification",
    "access_record",
    "access_record_for_people",
    "audit_record",
    "channel_from_request",
    "field_changes",
    "verify_chain",
]

Kind = AuditEntry.Kind
Verb = AuditEntry.Verb


@dataclass(frozen=True)
class AuditTarget:
    """What an entry is about, when that is not (or no longer) a model instance."""

    type: str  # "app_label.modelname"
    id: str
    label: str = ""

    @classmethod
    def of(cls, target: "models.Model | AuditTarget") -> "AuditTarget":
        if isinstance(target, AuditTarget):
            return target
        if not isinstance(target, models.Model) or target._state.adding or target.pk is None:
            raise ValueError("An audit target must be a saved model instance or an AuditTarget.")
        return cls(target._meta.label_lower, str(target.pk), str(target))


def audit_record(
    actor,
    verb: str,
    target: "models.Model | AuditTarget",
    payload: dict | None = None,
    *,
    person_id: UUID | str | None = None,
    reason: str = "",
    channel: str = "",
) -> AuditEntry:
    """Record a change to ``target`` by ``actor`` (None for the system).

    ``payload`` should carry ``{"changes": {field: {"old": …, "new": …}}}`` (see
    ``field_changes``) plus any context a reader needs, e.g. the lawful basis of a disclosure.
    """
    return _append(
        kind=Kind.CHANGE,
        actor=actor,
        verb=verb,
        target=target,
        payload=payload or {},
        person_id=person_id,
        reason=reason,
        channel=channel,
    )


def access_record(
    actor,
    target: "models.Model | AuditTarget",
    channel: str,
    person_id: UUID | str | None = None,
    reason: str = "",
    *,
    verb: str = Verb.VIEWED,
) -> AuditEntry:
    """Record that ``actor`` saw ``target`` through ``channel`` (a URL or API route name).

    ``reason`` is the justification given for break-glass access. Never pass a raw path or query
    string as the channel: they can carry personal data (use ``channel_from_request``).
    """
    if not channel:
        raise ValueError("An access entry needs the channel (page or API route) it came through.")
    return _append(
        kind=Kind.ACCESS,
        actor=actor,
        verb=verb,
        target=target,
        payload={},
        person_id=person_id,
        reason=reason,
        channel=channel,
    )


def access_record_for_people(
    actor,
    target: "models.Model | AuditTarget",
    channel: str,
    person_ids: Iterable[UUID | str],
    reason: str = "",
) -> list[AuditEntry]:
    """One access entry per person shown (a contact about three children writes three), so
    "who looked at this child" finds the view whichever child the DPO searches for."""
    ids = list(dict.fromkeys(str(p) for p in person_ids))
    if not ids:
        return [access_record(actor, target, channel, reason=reason)]
    return [access_record(actor, target, channel, person_id=p, reason=reason) for p in ids]


def field_changes(before: dict, after: dict) -> dict:
    """``{field: {"old": …, "new": …}}`` for the keys whose values differ, for ``payload``."""
    changes = {}
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = {"old": old, "new": new}
    return changes


def channel_from_request(request) -> str:
    """The route name of the current page or API endpoint: never its path or query string."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return match.view_name
    return "unnamed-route"


def _append(*, kind, actor, verb, target, payload, person_id, reason, channel) -> AuditEntry:
    if verb not in Verb.values:
        raise ValueError(f"Unknown audit verb {verb!r}: add it to AuditEntry.Verb.")
    target = AuditTarget.of(target)
    actor = actor if actor is not None and getattr(actor, "pk", None) else None
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor=actor,
            actor_agency=_agency_code(actor),
            kind=kind,
            verb=str(verb),
            target_type=target.type,
            target_id=target.id[:64],
            target_label=target.label[:200],
            person_id=UUID(str(person_id)) if person_id else None,
            channel=channel[:200],
            reason=reason,
            payload=normalise_payload(payload),
            prev_hash=head.last_hash,
        )
        entry.entry_hash = entry_hash_for(entry)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(
            sequence=entry.sequence, last_hash=entry.entry_hash
        )
    return entry


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the surrounding transaction ends.

    ``select_for_update`` makes PostgreSQL writers queue here; SQLite ignores it, but it allows
    only one writing transaction at a time anyway (and production SQLite opens transactions with
    ``BEGIN IMMEDIATE``). The head is created on first use (and after a test flush) from the last
    entry, if any, so a fresh database needs no data migration.
    """
    heads = AuditChainHead.objects.select_for_update()
    head = heads.filter(pk=AuditChainHead.SINGLETON_PK).first()
    if head is None:
        last = AuditEntry.objects.order_by("-sequence").first()
        AuditChainHead.objects.bulk_create(
            [
                AuditChainHead(
                    pk=AuditChainHead.SINGLETON_PK,
                    sequence=last.sequence if last else 0,
                    last_hash=last.entry_hash if last else GENESIS_HASH,
                )
            ],
            ignore_conflicts=True,
        )
        head = heads.get(pk=AuditChainHead.SINGLETON_PK)
    return head


def _agency_code(actor) -> str:
    if actor is None or not getattr(actor, "agency_id", None):
        return ""
    return actor.agency.code
