"""The hash chain: intact logs verify; every kind of tampering is found and located."""

import threading
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from openmash.audit.chain import entry_hash_for, normalise_payload
from openmash.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, AuditLogIsAppendOnly
from openmash.audit.services import AuditTarget, audit_record, verify_chain

pytestmark = pytest.mark.django_db


def test_an_empty_log_verifies():
    result = verify_chain()
    assert result.ok
    assert (result.checked, result.first_broken_sequence) == (0, None)
    assert result.head_hash == GENESIS_HASH


def test_entries_link_to_the_one_before(write_entries):
    first, second, third = write_entries(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.last_hash) == (3, third.entry_hash)


def test_an_intact_chain_verifies(write_entries):
    entries = write_entries(5)
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checked == 5
    assert result.head_sequence == 5
    assert result.head_hash == entries[-1].entry_hash


def test_hash_survives_a_database_round_trip(make_user):
    """What is hashed at write time must equal what is read back (jsonb, time zones, UUIDs)."""
    user = make_user("dpo")
    entry = audit_record(
        user,
        "updated",
        AuditTarget("tests.thing", "1", "Thing"),
        {
            "changes": {"due": {"old": None, "new": datetime(2025, 3, 27, 9, 30, tzinfo=UTC)}},
            "score": 1e20,
            "ratio": 0.1,
            "amount": Decimal("12.50"),
            "ids": {UUID(int=1)},
            "nested": {"b": [1, 2], "a": "ü"},
        },
        person_id=UUID(int=7),
        reason="Because",
    )
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert entry_hash_for(stored) == stored.entry_hash == entry.entry_hash
    assert stored.payload["score"] == "1e+20"


def test_normalise_payload_makes_values_json_safe():
    assert normalise_payload({1: {3, 2}, "when": datetime(2025, 1, 1, tzinfo=UTC)}) == {
        "1": [2, 3],
        "when": "2025-01-01T00:00:00+00:00",
    }
    assert normalise_payload(object()).startswith("<object object")


def test_editing_an_entry_is_detected(write_entries, tampering):
    entries = write_entries(4)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET payload = %s WHERE sequence = %s",
            ['{"changes": {"status": {"old": "open", "new": "closed"}}}', entries[1].sequence],
        )
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_sequence == entries[1].sequence
    assert result.checked == 1
    assert "altered" in result.reason


def test_editing_through_the_base_manager_is_detected(write_entries, tampering):
    """The default manager refuses updates; the base manager is a deliberate way round it."""
    entries = write_entries(3)
    with tampering():
        AuditEntry._base_manager.filter(sequence=entries[2].sequence).update(
            payload={"changes": {"status": {"old": "open", "new": "closed"}}}
        )
    result = verify_chain()
    assert (result.ok, result.first_broken_sequence) == (False, entries[2].sequence)


def test_deleting_an_entry_is_detected(write_entries, tampering):
    entries = write_entries(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [entries[2].sequence])
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_sequence == entries[3].sequence
    assert "missing" in result.reason


def test_deleting_the_latest_entries_is_detected(write_entries, tampering):
    """The links alone cannot show a shortened chain; the chain head can."""
    entries = write_entries(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence >= %s", [entries[3].sequence])
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_sequence == entries[3].sequence
    assert "removed" in result.reason


def test_reordering_entries_is_detected(write_entries, tampering):
    entries = write_entries(5)
    a, b = entries[1].sequence, entries[2].sequence
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditentry SET sequence = -1 WHERE sequence = %s", [a])
        cursor.execute("UPDATE audit_auditentry SET sequence = %s WHERE sequence = %s", [a, b])
        cursor.execute("UPDATE audit_auditentry SET sequence = %s WHERE sequence = -1", [b])
    result = verify_chain()
    assert not result.ok
    assert result.first_broken_sequence == a
    assert "does not link" in result.reason


def test_an_inserted_entry_is_detected(write_entries, tampering):
    """A forged entry with a self-consistent hash, slotted in by renumbering the ones after."""
    entries = write_entries(4)
    forged = AuditEntry(
        sequence=entries[1].sequence + 1,
        occurred_at=entries[1].occurred_at,
        kind=AuditEntry.Kind.CHANGE,
        verb="updated",
        target_type="tests.thing",
        target_id="99",
        target_label="Forged",
        payload={},
        prev_hash=entries[1].entry_hash,
    )
    forged.entry_hash = entry_hash_for(forged)
    with tampering() as cursor:
        for entry in reversed(entries[2:]):
            cursor.execute(
                "UPDATE audit_auditentry SET sequence = sequence + 1 WHERE sequence = %s",
                [entry.sequence],
            )
        AuditEntry._base_manager.bulk_create([forged])
    result = verify_chain()
    assert not result.ok
    # The forgery links correctly; the entry after it no longer does.
    assert result.first_broken_sequence == forged.sequence + 1


def test_the_orm_refuses_to_change_or_delete_entries(write_entries):
    (entry,) = write_entries(1)
    entry.target_label = "Something else"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(sequence=entry.sequence).update(target_label="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="trigger exists on PostgreSQL")
def test_postgresql_refuses_raw_updates_and_deletes(write_entries):
    (entry,) = write_entries(1)
    for sql in (
        "UPDATE audit_auditentry SET target_label = 'x' WHERE sequence = %s",
        "DELETE FROM audit_auditentry WHERE sequence = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.sequence])
    assert verify_chain().ok


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(write_entries):
    write_entries(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(None, "updated", AuditTarget("tests.thing", "x", "X"))
        raise RuntimeError("the change failed")
    (third,) = write_entries(1)
    assert third.sequence == 3
    assert verify_chain().ok


def test_a_lost_chain_head_is_rebuilt_from_the_last_entry(write_entries):
    entries = write_entries(2)
    AuditChainHead.objects.all().delete()
    (third,) = write_entries(1)
    assert third.prev_hash == entries[-1].entry_hash
    assert verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Writers in parallel transactions queue on the chain head instead of forking the chain."""
    errors = []
    start = threading.Barrier(4)

    def writer(n):
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    audit_record(None, "updated", AuditTarget("tests.thing", f"{n}-{i}", "T"))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checked == 40
