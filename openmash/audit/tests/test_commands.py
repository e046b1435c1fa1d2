"""``manage.py verify_audit``: exit 0 when the chain is intact, non-zero naming the break."""

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_reports_an_intact_chain(write_entries, capsys):
    entries = write_entries(3)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain intact: 3 entries verified" in out
    assert entries[-1].entry_hash in out


def test_names_the_first_broken_entry(write_entries, tampering):
    entries = write_entries(3)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET target_label = 'Edited' WHERE sequence = %s",
            [entries[1].sequence],
        )
    with pytest.raises(CommandError, match=f"BROKEN at entry #{entries[1].sequence}"):
        call_command("verify_audit")


def test_exits_non_zero_from_the_command_line(write_entries, tampering, capsys):
    entries = write_entries(2)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [entries[0].sequence])
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exit_info.value.code == 1
    assert f"#{entries[1].sequence}" in capsys.readouterr().err


def test_exits_zero_from_the_command_line_when_intact(write_entries, capsys):
    write_entries(2)
    try:
        execute_from_command_line(["manage.py", "verify_audit"])
    except SystemExit as exit_info:  # pragma: no cover - only on failure
        pytest.fail(f"verify_audit exited with {exit_info.code}")
    assert "intact" in capsys.readouterr().out


def test_seals_pending_views_first_unless_told_not_to(write_entries, make_user, capsys):
    from openmash.audit.services import AuditTarget, access_record

    write_entries(2)
    access_record(make_user("dpo"), AuditTarget("tests.thing", "1", "T"), "tests:thing")
    call_command("verify_audit", "--no-seal")
    assert "1 access entries pending, not yet sealed" in capsys.readouterr().out
    call_command("verify_audit")
    assert "0 access entries pending, not yet sealed" in capsys.readouterr().out
