"""Views staged in PendingAccess and sealed into the chain (ADR 0008): one INSERT per page,
no lock; sealing keeps every field and the order; nobody reading the log misses a view."""

import threading
from datetime import UTC, datetime
from uuid import uuid4

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from openmash.accounts.models import User
from openmash.audit.models import AuditEntry, AuditLogIsAppendOnly, PendingAccess
from openmash.audit.selectors import AuditSearch, audit_entries_search
from openmash.audit.services import (
    AuditTarget,
    access_record,
    access_record_for_people,
    audit_record,
    seal_pending,
    verify_chain,
)
from openmash.audit.tasks import seal_pending_access

pytestmark = pytest.mark.django_db

CONTACT = AuditTarget("contacts.contact", "c-1", "Contact C-1")


def _fresh(user) -> User:
    """The user as a job would load them: agency not loaded."""
    return User.objects.get(pk=user.pk)


def test_a_view_is_one_insert_without_the_chain_lock(make_user):
    worker = User.objects.select_related("agency").get(pk=make_user("mash_social_worker").pk)
    with CaptureQueriesContext(connection) as queries:
        access_record_for_people(worker, CONTACT, "contacts:detail", [uuid4(), uuid4(), uuid4()])
    [insert] = [q["sql"] for q in queries]
    assert insert.startswith('INSERT INTO "audit_pendingaccess"')
    assert "accounts_agency" not in insert  # the loaded agency's code is used as it is
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).count() == 0
    assert PendingAccess.objects.count() == 3


def test_a_view_of_many_people_sends_what_they_share_once(make_user):
    """ADR 0011: the values every row of a view shares are one parameter each; only the
    person differs per row. Each row still holds every value."""
    worker = User.objects.select_related("agency").get(pk=make_user("mash_social_worker").pk)
    people = [uuid4() for _ in range(4)]
    with CaptureQueriesContext(connection) as queries:
        access_record_for_people(worker, CONTACT, "contacts:detail", people)
    [query] = queries.captured_queries
    assert query["sql"].count("VALUES") == 1
    rows = list(PendingAccess.objects.order_by("id"))
    assert [r.person_id for r in rows] == people
    for row in rows:
        assert (row.actor_id, row.actor_agency, row.verb, row.channel) == (
            worker.pk,
            worker.agency.code,
            "viewed",
            "contacts:detail",
        )
        assert (row.target_type, row.target_id, row.target_label) == (
            "contacts.contact",
            "c-1",
            "Contact C-1",
        )
        assert row.occurred_at == rows[0].occurred_at and row.reason == ""
    seal_pending()
    assert verify_chain().ok
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).count() == 4


def test_an_actor_without_their_agency_loaded_still_costs_one_statement(make_user):
    officer = _fresh(make_user("partner_practitioner", agency="POLICE"))
    with CaptureQueriesContext(connection) as queries:
        access_record(officer, CONTACT, "contacts:detail", person_id=uuid4())
    [insert] = [q["sql"] for q in queries]
    assert insert.startswith('INSERT INTO "audit_pendingaccess"')
    assert "FOR UPDATE" not in insert
    assert PendingAccess.objects.get().actor_agency == "POLICE"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_insert_opens_none_of_its_own(make_user):
    """A page view runs in autocommit: one statement, no BEGIN/COMMIT around it."""
    worker = _fresh(make_user("mash_social_worker"))
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append((sql.split(" ")[0], connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        access_record_for_people(worker, CONTACT, "contacts:detail", [uuid4(), uuid4()])
    assert seen == [("INSERT", False)]
    assert PendingAccess.objects.count() == 2


def test_sealing_keeps_the_order_the_time_and_every_field(make_user):
    worker = make_user("mash_social_worker")
    officer = _fresh(make_user("partner_practitioner", agency="POLICE"))
    child, other = uuid4(), uuid4()
    with time_machine.travel(datetime(2026, 3, 2, 9, 15, 1, 123456, tzinfo=UTC), tick=False):
        access_record_for_people(worker, CONTACT, "contacts:detail", [child, other])
    with time_machine.travel(datetime(2026, 3, 2, 9, 16, tzinfo=UTC), tick=False):
        access_record(
            officer,
            AuditTarget("governance.export", "e-7", "Export 7"),
            "governance:export_download",
            person_id=child,
            verb=AuditEntry.Verb.DOWNLOADED,
        )
    with time_machine.travel(datetime(2026, 3, 2, 9, 17, tzinfo=UTC), tick=False):
        access_record(None, AuditTarget("people.person", "p", "P" * 300), "x" * 250)

    before = AuditEntry.objects.count()  # the users' creation, chained as changes
    assert seal_pending() == 4
    assert not PendingAccess.objects.exists()
    entries = list(AuditEntry.objects.filter(sequence__gt=before).order_by("sequence"))
    fields = [
        (
            e.occurred_at,
            e.actor_id,
            e.actor_agency,
            e.kind,
            e.verb,
            e.target_type,
            e.target_id,
            e.target_label,
            e.person_id,
            e.channel,
            e.reason,
            e.payload,
        )
        for e in entries
    ]
    first = datetime(2026, 3, 2, 9, 15, 1, 123456, tzinfo=UTC)
    assert fields == [
        (first, worker.pk, "CSC", "access", "viewed", "contacts.contact", "c-1", "Contact C-1",
         child, "contacts:detail", "", {}),
        (first, worker.pk, "CSC", "access", "viewed", "contacts.contact", "c-1", "Contact C-1",
         other, "contacts:detail", "", {}),
        (datetime(2026, 3, 2, 9, 16, tzinfo=UTC), officer.pk, "POLICE", "access", "downloaded",
         "governance.export", "e-7", "Export 7", child, "governance:export_download", "", {}),
        (datetime(2026, 3, 2, 9, 17, tzinfo=UTC), None, "", "access", "viewed", "people.person",
         "p", "P" * 200, None, "x" * 200, "", {}),
    ]  # fmt: skip
    assert [e.sequence for e in entries] == [before + 1, before + 2, before + 3, before + 4]
    result = verify_chain()
    assert result.ok, result.reason
    assert (result.checked, result.pending) == (before + 4, 0)


def test_sealing_in_batches_keeps_one_unbroken_chain(make_user, write_entries):
    worker = make_user("mash_social_worker")
    write_entries(2)
    before = AuditEntry.objects.count()
    people = [uuid4() for _ in range(7)]
    access_record_for_people(worker, CONTACT, "contacts:detail", people)
    assert seal_pending(batch_size=3) == 7
    views = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).order_by("sequence")
    assert [e.person_id for e in views] == people
    assert [e.sequence for e in views] == list(range(before + 1, before + 8))
    assert verify_chain().ok


def test_a_change_seals_the_views_before_it(make_user):
    worker = make_user("mash_social_worker")
    child = uuid4()
    access_record(worker, CONTACT, "contacts:detail", person_id=child)
    change = audit_record(worker, "updated", CONTACT, {"changes": {}})
    assert not PendingAccess.objects.exists()
    view = AuditEntry.objects.get(kind=AuditEntry.Kind.ACCESS)
    assert change.sequence == view.sequence + 1
    assert change.prev_hash == view.entry_hash
    assert verify_chain().ok


def test_break_glass_views_are_chained_at_once(make_user):
    worker = make_user("mash_social_worker")
    first, restricted = uuid4(), uuid4()
    access_record(worker, CONTACT, "contacts:detail", person_id=first)
    access_record(
        worker, CONTACT, "contacts:detail", person_id=restricted, reason="Strategy discussion"
    )
    assert not PendingAccess.objects.exists()
    views = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).order_by("sequence")
    assert [(v.person_id, v.reason) for v in views] == [
        (first, ""),
        (restricted, "Strategy discussion"),
    ]
    assert verify_chain().ok


def test_readers_see_views_not_yet_sealed(make_user):
    dpo = make_user("dpo")
    child = uuid4()
    access_record(make_user("mash_social_worker"), CONTACT, "contacts:detail", person_id=child)
    found = audit_entries_search(dpo, AuditSearch(person_id=child))
    assert [e.channel for e in found] == ["contacts:detail"]


def test_a_reader_without_the_capability_seals_nothing(make_user):
    manager = make_user("practice_manager")
    access_record(manager, CONTACT, "contacts:detail")
    assert not audit_entries_search(manager, AuditSearch()).exists()
    assert PendingAccess.objects.count() == 1


def test_a_rolled_back_transaction_leaves_no_pending_view(make_user):
    worker = make_user("mash_social_worker")
    with pytest.raises(RuntimeError), transaction.atomic():
        access_record(worker, CONTACT, "contacts:detail", person_id=uuid4())
        raise RuntimeError("the page failed")
    assert not PendingAccess.objects.exists()
    assert seal_pending() == 0
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


def test_verify_counts_pending_views_without_failing(make_user):
    access_record_for_people(make_user("dpo"), CONTACT, "contacts:detail", [uuid4(), uuid4()])
    result = verify_chain()
    assert result.ok
    assert (result.checked, result.pending) == (AuditEntry.objects.count(), 2)


def test_the_minutely_task_seals(make_user):
    access_record(make_user("dpo"), CONTACT, "contacts:detail")
    assert seal_pending_access.delay().get() == 1
    assert seal_pending_access.delay().get() == 0
    from config.celery import app

    entry = app.conf.beat_schedule["audit-seal-pending"]
    assert entry["task"] == "openmash.audit.tasks.seal_pending_access"
    assert entry["schedule"] == 60.0


def test_the_orm_refuses_to_change_or_delete_pending_views(make_user):
    access_record(make_user("dpo"), CONTACT, "contacts:detail")
    pending = PendingAccess.objects.get()
    with pytest.raises(AuditLogIsAppendOnly):
        pending.save()
    with pytest.raises(AuditLogIsAppendOnly):
        pending.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        PendingAccess.objects.update(channel="x")
    with pytest.raises(AuditLogIsAppendOnly):
        PendingAccess.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="trigger exists on PostgreSQL")
def test_postgresql_refuses_raw_changes_to_pending_views_outside_sealing(make_user):
    access_record(make_user("dpo"), CONTACT, "contacts:detail")
    for sql in (
        "UPDATE audit_pendingaccess SET channel = 'x'",
        "DELETE FROM audit_pendingaccess",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert PendingAccess.objects.count() == 1
    assert seal_pending() == 1  # the sealer may delete them
    assert not PendingAccess.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_chain_each_view_once():
    """Two sealers queue on the chain head; the second finds the rows the first moved gone."""
    for n in range(300):
        access_record(None, AuditTarget("tests.thing", str(n), "T"), "tests:thing")
    counts, errors = [], []
    start = threading.Barrier(2)

    def sealer():
        try:
            start.wait()
            counts.append(seal_pending(batch_size=40))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 300
    assert not PendingAccess.objects.exists()
    target_ids = list(AuditEntry.objects.order_by("sequence").values_list("target_id", flat=True))
    assert target_ids == [str(n) for n in range(300)]
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checked == 300


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_views_changes_and_sealing_in_parallel_keep_one_chain():
    """Page views (no lock), changes (which seal first) and the minutely sealer at once."""
    errors = []
    start = threading.Barrier(4)

    def viewer(n):
        for i in range(30):
            access_record(None, AuditTarget("tests.thing", f"v{n}-{i}", "T"), "tests:thing")

    def changer(n):
        for i in range(10):
            with transaction.atomic():
                audit_record(None, "updated", AuditTarget("tests.thing", f"c{n}-{i}", "T"))

    def sealer(n):
        for _ in range(10):
            seal_pending(batch_size=7)

    def run(work, n):
        try:
            start.wait()
            work(n)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=args)
        for args in ((viewer, 0), (viewer, 1), (changer, 0), (sealer, 0))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seal_pending()
    result = verify_chain()
    assert result.ok, result.reason
    assert (result.checked, result.pending) == (70, 0)
    views = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS)
    assert views.values("target_id").distinct().count() == 60
