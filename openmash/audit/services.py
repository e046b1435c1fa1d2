"""Every write to the audit log, and the chain check other code calls.

Call ``audit_record`` / ``access_record`` inside the transaction that makes the change (or shows
the record), so a change cannot commit without its entry and an entry cannot outlive a change that
was rolled back. Each call locks the chain head until that transaction ends, so audited writes
are serialised: keep the work after the audit call short.
"""

import logging
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
    "chain_head_log",
    "channel_from_request",
    "field_changes",
    "verify_chain",
]

Kind = AuditEntry.Kind
Verb = AuditEntry.Verb

#: Where the chain head goes outside the database (settings LOGGING: stderr, and a file when
#: AUDIT_CHAIN_HEAD_LOG is set). Its history is what a complete rewrite cannot match.
chain_head_logger = logging.getLogger("openmash.audit.chain_head")


def chain_head_log(result: ChainVerification) -> None:
    """Log where the chain ends — sequence and hash — after a check, one parsable line. Kept
    outside the database, these lines show a rewritten history: an entry's hash at a sequence
    already logged must never change, and the sequence never goes back (ADR 0001)."""
    chain_head_logger.info(
        "audit chain head sequence=%s hash=%s verified=%s",
        result.head_sequence,
        result.head_hash,
        "intact" if result.ok else f"broken-at-{result.first_broken_sequence}",
    )


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
    if not channel:
        raise ValueError("An access entry needs the channel (page or API route) it came through.")
    # Appended together (one lock of the chain head, one insert): a page showing ten people
    # costs the same number of queries as a page showing one.
    return _append_many(
        [
            {
                "kind": Kind.ACCESS,
                "actor": actor,
                "verb": Verb.VIEWED,
                "target": target,
                "payload": {},
                "person_id": p,
                "reason": reason,
                "channel": channel,
            }
            for p in ids
        ]
    )


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
    return _append_many(
        [
            {
                "kind": kind,
                "actor": actor,
                "verb": verb,
                "target": target,
                "payload": payload,
                "person_id": person_id,
                "reason": reason,
                "channel": channel,
            }
        ]
    )[0]


def _append_many(specs: list[dict]) -> list[AuditEntry]:
    """Append entries to the chain in order, under one lock of the chain head."""
    for spec in specs:
        if spec["verb"] not in Verb.values:
            raise ValueError(f"Unknown audit verb {spec['verb']!r}: add it to AuditEntry.Verb.")
    targets = [AuditTarget.of(spec["target"]) for spec in specs]
    with transaction.atomic():
        head = _locked_head()
        sequence, last_hash, now = head.sequence, head.last_hash, timezone.now()
        entries = []
        for spec, target in zip(specs, targets, strict=True):
            actor = spec["actor"]
            actor = actor if actor is not None and getattr(actor, "pk", None) else None
            person_id = spec["person_id"]
            sequence += 1
            entry = AuditEntry(
                sequence=sequence,
                occurred_at=now,
                actor=actor,
                actor_agency=_agency_code(actor),
                kind=spec["kind"],
                verb=str(spec["verb"]),
                target_type=target.type,
                target_id=target.id[:64],
                target_label=target.label[:200],
                person_id=UUID(str(person_id)) if person_id else None,
                channel=spec["channel"][:200],
                reason=spec["reason"],
                payload=normalise_payload(spec["payload"]),
                prev_hash=last_hash,
            )
            entry.entry_hash = last_hash = entry_hash_for(entry)
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries)
        AuditChainHead.objects.filter(pk=head.pk).update(sequence=sequence, last_hash=last_hash)
    return entries


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
