"""System alerts, and the nightly audit-chain check that raises one when the chain is broken."""

import logging
from unittest import mock

import pytest
from django.core import mail

from openmash.audit.chain import ChainVerification
from openmash.audit.services import AuditTarget, audit_record
from openmash.audit.tests.conftest import tampering  # noqa: F401 - fixture
from openmash.tasks.models import OutboxMessage, SystemAlert
from openmash.tasks.services import system_alert_raise, system_alert_resolve
from openmash.tasks.tasks import verify_audit_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(make_user):
    return make_user("dpo", email="dpo@openmash.invalid")


@pytest.fixture
def bystanders(make_user):
    """People who must not get DPO alerts: other roles, a DPO who left, a DPO with no email."""
    return [
        make_user("practice_manager", email="pm@openmash.invalid"),
        make_user("dpo", email="former-dpo@openmash.invalid", is_active=False),
        make_user("dpo", email=""),
    ]


def _raise(**overrides):
    fields = {
        "severity": SystemAlert.Severity.CRITICAL,
        "title": "Something is wrong",
        "detail": "Details of what is wrong.",
        "dedupe_key": "condition:1",
    }
    return system_alert_raise(**(fields | overrides))


def test_an_alert_emails_each_active_dpo_once(
    dpo, bystanders, make_user, django_capture_on_commit_callbacks
):
    second_dpo = make_user("dpo", "administrator", email="dpo2@openmash.invalid")

    with django_capture_on_commit_callbacks(execute=True):
        alert, created = _raise()

    assert created
    assert sorted(e.to[0] for e in mail.outbox) == sorted([dpo.email, second_dpo.email])
    assert mail.outbox[0].subject == "OpenMASH alert: Something is wrong"
    assert "Details of what is wrong." in mail.outbox[0].body


def test_raising_the_same_open_condition_again_records_and_sends_nothing_new(
    dpo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = _raise()
        again, created = _raise(detail="Found again the next night.")

    assert not created
    assert again.pk == first.pk
    assert SystemAlert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_resolved_condition_found_again_raises_a_new_alert(dpo):
    first, _ = _raise()
    system_alert_resolve(first, by=dpo)

    second, created = _raise()

    assert created and second.pk != first.pk
    first.refresh_from_db()
    assert (first.resolved, first.resolved_by) == (True, dpo)
    assert first.resolved_at is not None


def _broken(sequence=7):
    return ChainVerification(
        ok=False,
        checked=sequence - 1,
        first_broken_sequence=sequence,
        reason=f"Entry #{sequence} has been altered since it was written.",
    )


def test_a_broken_chain_raises_one_alert_and_one_email_per_dpo_however_often_it_runs(
    dpo, caplog, django_capture_on_commit_callbacks
):
    with (
        mock.patch("openmash.audit.services.verify_chain", return_value=_broken()),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.ERROR),
    ):
        assert verify_audit_chain.delay().get() is False
        assert verify_audit_chain.delay().get() is False

    alert = SystemAlert.objects.get()
    assert alert.severity == SystemAlert.Severity.CRITICAL
    assert not alert.resolved
    assert "sequence 7" in alert.detail
    assert "altered" in alert.detail
    [email] = mail.outbox
    assert email.to == [dpo.email]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    assert "audit chain broken at sequence 7" in caplog.text


def test_a_break_at_a_different_place_is_a_new_alert(dpo):
    with mock.patch("openmash.audit.services.verify_chain", side_effect=[_broken(7), _broken(3)]):
        verify_audit_chain.delay()
        verify_audit_chain.delay()

    assert SystemAlert.objects.count() == 2


def test_the_real_chain_check_finds_a_tampered_entry(dpo, tampering):  # noqa: F811
    for i in range(3):
        audit_record(None, "updated", AuditTarget("tests.thing", str(i), f"Thing {i}"), {})
    assert verify_audit_chain.delay().get() is True
    assert not SystemAlert.objects.exists()

    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET target_label = %s WHERE sequence = %s",
            ["Rewritten", 2],
        )

    assert verify_audit_chain.delay().get() is False
    alert = SystemAlert.objects.get()
    assert alert.dedupe_key == "audit-chain-broken:2"
    assert OutboxMessage.objects.get().recipient == dpo.email


def test_the_nightly_check_logs_the_chain_head_to_its_own_logger(dpo, caplog):
    """The head (sequence and hash) goes outside the database, intact or not, so a complete
    rewrite of the chain can be found by comparing with the log's history (ADR 0001)."""
    from openmash.audit.models import AuditChainHead

    for i in range(3):
        audit_record(None, "updated", AuditTarget("tests.thing", str(i), f"Thing {i}"), {})
    head = AuditChainHead.objects.get()
    with caplog.at_level(logging.INFO, logger="openmash.audit.chain_head"):
        assert verify_audit_chain.delay().get() is True
    [record] = [r for r in caplog.records if r.name == "openmash.audit.chain_head"]
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        f"audit chain head sequence={head.sequence} hash={head.last_hash} verified=intact"
    )

    caplog.clear()
    broken = ChainVerification(
        ok=False,
        checked=6,
        first_broken_sequence=7,
        reason="Entry #7 has been altered since it was written.",
        head_sequence=9,
        head_hash="ab" * 32,
    )
    with (
        mock.patch("openmash.audit.services.verify_chain", return_value=broken),
        caplog.at_level(logging.INFO, logger="openmash.audit.chain_head"),
    ):
        verify_audit_chain.delay()
    assert [r.getMessage() for r in caplog.records if r.name == "openmash.audit.chain_head"] == [
        f"audit chain head sequence=9 hash={'ab' * 32} verified=broken-at-7"
    ]
