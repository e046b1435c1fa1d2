"""Every write to the audit log, and the chain check other code calls.

Call ``audit_record`` / ``access_record`` inside the transaction that makes the change (or shows
the record), so a change cannot commit without its entry and an entry cannot outlive a change that
was rolled back. ``audit_record`` locks the chain head until that transaction ends, so audited
writes are serialised: keep the work after the audit call short.

``access_record`` does not touch the chain: a page view is one INSERT into ``PendingAccess``
(ADR 0008). ``seal_pending`` moves those rows into the chain, under the head lock: at the start of
every chained append, every minute from Celery beat, and before anything reads access entries.
"""

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import connections, models, router, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .chain import ChainVerification, entry_hash_for, normalise_payload, verify_chain
from .models import GENESIS_HASH, AuditChainHead, AuditEntry, PendingAccess

__all__ = [
    "AuditTarget",
    "ChainVerification",
    "access_record",
    "access_record_for_people",
    "audit_record",
    "chain_head_log",
    "channel_from_request",
    "field_changes",
    "seal_pending",
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
) -> None:
    """Record that ``actor`` saw ``target`` through ``channel`` (a URL or API route name).

    One INSERT into ``PendingAccess``, in the caller's transaction (ADR 0008); the entry joins the
    chain when next sealed. ``reason`` is the justification given for break-glass access: such a
    view is chained at once, before the page is shown. Never pass a raw path or query string as
    the channel: they can carry personal data (use ``channel_from_request``).
    """
    _record_access(actor, target, channel, [person_id], reason, verb)


def access_record_for_people(
    actor,
    target: "models.Model | AuditTarget",
    channel: str,
    person_ids: Iterable[UUID | str],
    reason: str = "",
) -> None:
    """One access entry per person shown (a contact about three children writes three), so
    "who looked at this child" finds the view whichever child the DPO searches for. Written
    together: a page showing ten people costs the same one INSERT as a page showing one."""
    ids = list(dict.fromkeys(str(p) for p in person_ids)) or [None]
    _record_access(actor, target, channel, ids, reason, Verb.VIEWED)


def _record_access(actor, target, channel: str, person_ids: list, reason: str, verb: str) -> None:
    if not channel:
        raise ValueError("An access entry needs the channel (page or API route) it came through.")
    if verb not in Verb.values:
        raise ValueError(f"Unknown audit verb {verb!r}: add it to AuditEntry.Verb.")
    if reason:
        # Break-glass: rare, and the view most worth protecting, so into the chain at once
        # (sealing whatever is pending first, so the chain keeps its order).
        _append_many(
            [
                {
                    "kind": Kind.ACCESS,
                    "actor": actor,
                    "verb": verb,
                    "target": target,
                    "payload": {},
                    "person_id": p,
                    "reason": reason,
                    "channel": channel,
                }
                for p in person_ids
            ]
        )
        return
    target = AuditTarget.of(target)
    actor_id, actor_agency = _actor_and_agency(actor)
    now = timezone.now()
    rows = [
        PendingAccess(
            occurred_at=now,
            actor_id=actor_id,
            actor_agency=actor_agency,
            verb=str(verb),
            target_type=target.type,
            target_id=target.id[:64],
            target_label=target.label[:200],
            person_id=UUID(str(p)) if p else None,
            channel=channel[:200],
            reason="",
        )
        for p in person_ids
    ]
    _insert_pending(rows)


def _actor_and_agency(actor) -> tuple:
    """The actor's id and agency code for a pending row, without a query.

    When the actor's agency is already loaded (as a request's user's is, read with
    ``select_related("agency")``), its code is used as it is. Otherwise the INSERT reads the
    code itself, in a scalar subquery on the agency's primary key: still one statement, and no
    cache to keep (agency codes never change, but a cache would still have to learn new ones).
    The subquery is plain SQL: as an ORM ``Subquery`` it took 0.5 ms to compile, five times
    what it costs the database (ADR 0008).
    """
    if actor is None or not getattr(actor, "pk", None):
        return None, ""
    agency_id = getattr(actor, "agency_id", None)
    if not agency_id:
        return actor.pk, ""
    agency_field = actor._meta.get_field("agency")
    if agency_field.is_cached(actor):
        return actor.pk, actor.agency.code
    connection = connections[router.db_for_write(PendingAccess)]
    # Names from the model; the id a parameter, as the database stores it (SQLite: hex text).
    agency_pk = agency_field.target_field.get_db_prep_value(agency_id, connection)
    return actor.pk, RawSQL(_agency_code_sql(agency_field), [agency_pk])  # noqa: S611


@functools.cache
def _agency_code_sql(agency_field) -> str:
    """``(SELECT code FROM <agency table> WHERE <pk> = %s)``, quoted for the database."""
    agency = agency_field.related_model._meta
    quote = connections[router.db_for_write(PendingAccess)].ops.quote_name
    code, table, pk = agency.get_field("code").column, agency.db_table, agency.pk.column
    return f"(SELECT {quote(code)} FROM {quote(table)} WHERE {quote(pk)} = %s)"  # noqa: S608


def _insert_pending(rows: list[PendingAccess]) -> None:
    """INSERT the rows in one statement (as many as the database takes in one).

    Not ``bulk_create``: that opens a transaction of its own when the caller is not in one,
    which costs two more round trips on every page view; a single INSERT is atomic anyway.
    """
    using = router.db_for_write(PendingAccess)
    connection = connections[using]
    fields = [f for f in PendingAccess._meta.concrete_fields if not f.primary_key]
    batch = max(connection.ops.bulk_batch_size(fields, rows), 1)
    if len(rows) <= batch and _insert_shared(connection, fields, rows):
        return
    if len(rows) <= batch:
        PendingAccess.objects._insert(rows, fields=fields, using=using)
        return
    with transaction.atomic(using=using):
        for start in range(0, len(rows), batch):
            PendingAccess.objects._insert(rows[start : start + batch], fields=fields, using=using)


def _insert_shared(connection, fields: list, rows: list[PendingAccess]) -> bool:
    """The rows of one page view in one ``INSERT`` whose values the rows share (who, when,
    what, through which page) are sent once as named parameters, and only what differs (the
    person) per row: a page about eight people sends 17 parameters, not 80, and adapting
    parameters was most of the statement's cost (ADR 0011). False (nothing written) when a
    value is an expression (the actor's agency read by subquery): the ORM's insert does that."""
    first = rows[0]
    shared, varying = [], []
    for field in fields:
        value = getattr(first, field.attname)
        if hasattr(value, "resolve_expression"):
            return False
        same = all(getattr(row, field.attname) == value for row in rows)
        (shared if same else varying).append(field)
    params = {
        f"s{i}": field.get_db_prep_save(getattr(first, field.attname), connection)
        for i, field in enumerate(fields)
        if field in shared
    }
    for r, row in enumerate(rows):
        for i, field in enumerate(fields):
            if field in varying:
                params[f"r{r}_{i}"] = field.get_db_prep_save(
                    getattr(row, field.attname), connection
                )
    sql = _shared_insert_sql(
        connection.alias, len(rows), tuple(i for i, f in enumerate(fields) if f in varying)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return True


@functools.cache
def _shared_insert_sql(alias: str, count: int, varying: tuple[int, ...]) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in PendingAccess._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    rows = []
    for r in range(count):
        names = [f"r{r}_{i}" if i in varying else f"s{i}" for i in range(len(fields))]
        rows.append("(" + ", ".join(f"%({name})s" for name in names) + ")")
    table = quote(PendingAccess._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join(rows)}"  # noqa: S608


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
    """Append entries to the chain in order, under one lock of the chain head, after sealing
    every pending access entry (so views come before the change that follows them)."""
    for spec in specs:
        if spec["verb"] not in Verb.values:
            raise ValueError(f"Unknown audit verb {spec['verb']!r}: add it to AuditEntry.Verb.")
    targets = [AuditTarget.of(spec["target"]) for spec in specs]
    with transaction.atomic():
        head = _locked_head()
        sequence, last_hash = head.sequence, head.last_hash
        while True:
            sealed = _seal_batch(sequence, last_hash, SEAL_BATCH_SIZE)
            if sealed:
                sequence, last_hash = sealed[-1].sequence, sealed[-1].entry_hash
            if len(sealed) < SEAL_BATCH_SIZE:
                break
        now = timezone.now()
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


#: Pending access entries chained per batch (per transaction, when ``seal_pending`` runs alone).
SEAL_BATCH_SIZE = 500


def seal_pending(*, batch_size: int = SEAL_BATCH_SIZE) -> int:
    """Move every pending access entry into the hash chain; return how many were sealed.

    Each batch, in ``PendingAccess.id`` order, becomes ordinary ACCESS entries with their
    original ``occurred_at``, and leaves the staging table in the same transaction, under the
    chain-head lock: two sealers queue on the lock and the second finds the rows gone, so
    nothing is chained twice. Costs one cheap query when nothing is pending.
    """
    if not PendingAccess.objects.exists():
        return 0
    sealed = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            batch = _seal_batch(head.sequence, head.last_hash, batch_size)
            if batch:
                AuditChainHead.objects.filter(pk=head.pk).update(
                    sequence=batch[-1].sequence, last_hash=batch[-1].entry_hash
                )
        sealed += len(batch)
        if len(batch) < batch_size:
            return sealed


#: For the rest of its transaction, lets the PostgreSQL trigger on ``audit_pendingaccess`` allow
#: DELETE (migration 0003). Selected alongside the rows to seal, so it costs no round trip and
#: runs only when there are rows to delete.
_ALLOW_SEALING = RawSQL(
    "set_config('openmash.audit_sealing', 'on', true)", [], output_field=models.TextField()
)


def _seal_batch(sequence: int, last_hash: str, batch_size: int) -> list[AuditEntry]:
    """Chain up to ``batch_size`` pending entries after ``sequence``/``last_hash`` and delete
    them from staging. The caller holds the head lock and moves the head afterwards."""
    pending = PendingAccess.objects.order_by("id")
    if connections[pending.db].vendor == "postgresql":
        pending = pending.annotate(sealing=_ALLOW_SEALING)
    rows = list(pending[:batch_size])
    if not rows:
        return []
    entries = []
    for row in rows:
        sequence += 1
        entry = AuditEntry(
            sequence=sequence,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_agency=row.actor_agency,
            kind=Kind.ACCESS,
            verb=row.verb,
            target_type=row.target_type,
            target_id=row.target_id,
            target_label=row.target_label,
            person_id=row.person_id,
            channel=row.channel,
            reason=row.reason,
            payload={},
            prev_hash=last_hash,
        )
        entry.entry_hash = last_hash = entry_hash_for(entry)
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    # By id, never "id <= the last one": a row with a lower id may commit only now, unsealed.
    PendingAccess.objects.filter(id__in=[row.id for row in rows])._raw_delete(pending.db)
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
