"""The hash chain: how an entry's hash is computed, and how the whole chain is checked.

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting,
inserting or reordering any entry breaks every link after it. ``verify_chain`` walks the table in
sequence order and reports the first entry that does not fit.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connections, router, transaction

from .models import GENESIS_HASH, AuditChainHead, AuditEntry, PendingAccess

#: Bump when the set of hashed fields or their encoding changes; hashed into every entry.
HASH_VERSION = 1


def normalise_payload(value):
    """Make a payload JSON-safe and stable across a database round trip.

    The stored payload must hash the same after PostgreSQL's jsonb has normalised it, so anything
    jsonb might rewrite is made a string first: dates, UUIDs, decimals and floats (jsonb turns
    ``1e20`` into ``100000000000000000000``). Unknown objects become their ``str()`` so that an
    odd field type never stops a change from being recorded.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): normalise_payload(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [normalise_payload(v) for v in value]
        return sorted(items, key=_sort_key) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | uuid.UUID | Decimal):
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def _sort_key(item):
    return json.dumps(item, sort_keys=True)


def canonical_json(value) -> str:
    """Sorted keys, no whitespace, UTF-8: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash_for(entry: AuditEntry) -> str:
    """SHA-256 (hex) of every field of ``entry`` except ``entry_hash`` itself."""
    document = {
        "v": HASH_VERSION,
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_agency": entry.actor_agency,
        "kind": entry.kind,
        "verb": entry.verb,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "person_id": str(entry.person_id) if entry.person_id else None,
        "channel": entry.channel,
        "reason": entry.reason,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainVerification:
    """The result of checking the chain. ``first_broken_sequence`` is None when ``ok``."""

    ok: bool
    checked: int
    first_broken_sequence: int | None
    reason: str
    #: Where the chain ends; log it somewhere outside the database (the nightly job does) so a
    #: rewritten history can be told apart from the one that was logged.
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    #: Access entries written but not yet sealed into the chain (ADR 0008): not an error, but
    #: not covered by this check either until they are sealed.
    pending: int = 0


def verify_chain() -> ChainVerification:
    """Walk every entry in sequence order; stop at the first that breaks the chain.

    Detects an edited entry (its hash no longer matches its fields), a deleted entry (a gap in the
    sequence, or entries missing from the end compared with the chain head), an inserted or
    reordered entry (its ``prev_hash`` is not the hash of the entry before it). Also counts the
    access entries still pending (ADR 0008): not an error, just not checked until sealed.

    On PostgreSQL the walk and the head are read in one REPEATABLE READ snapshot, so an entry
    appended or sealed meanwhile (sealing runs every minute) is not mistaken for a cut-off
    chain. (SQLite's production transactions take the write lock, so there the walk runs
    outside one, as before: the reads are not one snapshot.)
    """
    connection = connections[router.db_for_read(AuditEntry)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _verify_chain()
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify_chain()


def _verify_chain() -> ChainVerification:
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    entries = AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000)
    for entry in entries:
        broken = _check_entry(entry, expected_sequence, prev_hash)
        if broken:
            return ChainVerification(
                False, checked, entry.sequence, broken, pending=PendingAccess.objects.count()
            )
        checked += 1
        prev_hash = entry.entry_hash
        expected_sequence = entry.sequence + 1

    last_sequence = expected_sequence - 1
    head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_PK).first()
    head_sequence = head.sequence if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_sequence != last_sequence or head_hash != prev_hash:
        missing_from = last_sequence + 1
        if head_sequence > last_sequence:
            reason = (
                f"The chain head records {head_sequence} entries but the log ends at "
                f"#{last_sequence}: entries from #{missing_from} have been removed."
            )
        else:
            reason = (
                f"The log ends at #{last_sequence} (hash {prev_hash[:12]}…) but the chain head "
                f"records #{head_sequence} (hash {head_hash[:12]}…): the head or the last entries "
                "have been altered."
            )
        return ChainVerification(
            False,
            checked,
            missing_from if head_sequence > last_sequence else last_sequence,
            reason,
            head_sequence,
            head_hash,
            PendingAccess.objects.count(),
        )
    return ChainVerification(
        True,
        checked,
        None,
        "The audit chain is intact.",
        head_sequence,
        head_hash,
        PendingAccess.objects.count(),
    )


def _check_entry(entry: AuditEntry, expected_sequence: int, prev_hash: str) -> str:
    """Why ``entry`` does not fit after the previous one, or "" when it does."""
    if entry.sequence != expected_sequence:
        if entry.sequence > expected_sequence:
            return (
                f"Entry #{entry.sequence} follows #{expected_sequence - 1}: entries "
                f"#{expected_sequence}–#{entry.sequence - 1} are missing."
            )
        return f"Entry #{entry.sequence} is out of order (expected #{expected_sequence})."
    if entry.prev_hash != prev_hash:
        return (
            f"Entry #{entry.sequence} does not link to the entry before it: it was inserted, "
            "moved, or the entry before it was replaced."
        )
    if entry.entry_hash != entry_hash_for(entry):
        return f"Entry #{entry.sequence} has been altered since it was written."
    return ""
