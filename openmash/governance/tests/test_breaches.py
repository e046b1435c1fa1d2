"""The breach register and its 72-hour clock (elapsed hours from discovery)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from openmash.core.errors import NotPermitted, TransitionNotAllowed
from openmash.governance.models import BreachAction, BreachStatus
from openmash.governance.selectors import breach_register_summary
from openmash.governance.services_breaches import (
    BreachInvalid,
    breach_action_add,
    breach_close,
    breach_ico_decide,
    breach_ico_due_at,
    breach_ico_reported,
    breach_individuals_decide,
    breach_record,
    breach_update,
)
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


def _breach(dpo, agencies, discovered_at=None, **extra):
    fields = {
        "actor": dpo,
        "discovered_at": discovered_at or timezone.now() - timedelta(hours=2),
        "description": "A handover summary was emailed to the wrong school.",
        "agencies": [agencies["CSC"]],
        "lead_agency": agencies["EDUCATION"],
        "data_categories": ["identity", "safeguarding"],
        "people_affected": 3,
    }
    fields.update(extra)
    return breach_record(**fields)


def test_the_clock_is_72_elapsed_hours_across_a_weekend():
    friday_evening = datetime(2026, 5, 1, 18, 30, tzinfo=LONDON)
    assert breach_ico_due_at(friday_evening) == datetime(2026, 5, 4, 18, 30, tzinfo=LONDON)


def test_recording_stores_the_clock_and_logs_it(dpo, agencies):
    discovered = timezone.now() - timedelta(hours=10)
    breach = _breach(dpo, agencies, discovered_at=discovered)
    assert breach.ico_due_at == discovered + timedelta(hours=72)
    assert 61.9 < breach.ico_hours_remaining() < 62.1
    assert not breach.ico_overdue()
    assert set(breach.agencies.values_list("code", flat=True)) == {"CSC", "EDUCATION"}
    assert breach.reference.startswith("BR-")
    assert BreachAction.unscoped.filter(breach=breach).count() == 1
    assert breach.data_category_labels[0].startswith("Names")


def test_only_the_dpo_records_breaches(make_user, agencies):
    with pytest.raises(NotPermitted):
        _breach(make_user("practice_manager"), agencies)


def test_recording_checks_input(dpo, agencies):
    with pytest.raises(BreachInvalid):
        _breach(dpo, agencies, discovered_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(BreachInvalid):
        _breach(dpo, agencies, data_categories=[])
    with pytest.raises(BreachInvalid):
        _breach(dpo, agencies, data_categories=["not-a-category"])


def test_overdue_is_derived_and_a_late_decision_needs_the_delay_reason(dpo, agencies):
    breach = _breach(dpo, agencies, discovered_at=timezone.now() - timedelta(hours=80))
    assert breach.ico_overdue()
    assert breach_register_summary(dpo).overdue == 1
    with pytest.raises(BreachInvalid, match="delay"):
        breach_ico_decide(breach, actor=dpo, report=True, reason="Sensitive data of children")
    decided = breach_ico_decide(
        breach,
        actor=dpo,
        report=True,
        reason="Sensitive data of children",
        delay_reason="The school reported it to us late",
        reported_at=timezone.now() - timedelta(minutes=5),
        ico_reference="IC-000000",
        expected_version=1,
    )
    assert decided.ico_decided_late
    assert not decided.ico_overdue()
    assert breach_register_summary(dpo).overdue == 0
    with pytest.raises(TransitionNotAllowed):
        breach_ico_decide(decided, actor=dpo, report=False, reason="Changed mind")


def test_decision_in_time_and_closure(dpo, agencies):
    breach = _breach(dpo, agencies)
    with pytest.raises(TransitionNotAllowed):
        breach_close(breach, actor=dpo, note="Done")
    breach = breach_ico_decide(
        breach, actor=dpo, report=False, reason="Recalled unread; low risk to the family"
    )
    assert not breach.ico_decided_late
    assert breach.ico_delay_reason == ""
    breach = breach_individuals_decide(
        breach, actor=dpo, inform=True, reason="The family should know what happened"
    )
    breach_action_add(breach, actor=dpo, what="The school confirmed deletion in writing")
    breach = breach_close(breach, actor=dpo, note="Email address checks added to the handover")
    assert breach.status == BreachStatus.CLOSED
    with pytest.raises(TransitionNotAllowed):
        breach_action_add(breach, actor=dpo, what="Too late")
    assert BreachAction.unscoped.filter(breach=breach).count() == 5


def test_report_made_after_the_decision(dpo, agencies):
    breach = _breach(dpo, agencies)
    with pytest.raises(TransitionNotAllowed):
        breach_ico_reported(breach, actor=dpo, reported_at=timezone.now())
    breach = breach_ico_decide(breach, actor=dpo, report=True, reason="High risk")
    breach = breach_ico_reported(
        breach, actor=dpo, reported_at=timezone.now(), ico_reference="IC-123"
    )
    assert breach.ico_reference == "IC-123"


def test_details_update_keeps_the_clock(dpo, agencies):
    breach = _breach(dpo, agencies)
    due = breach.ico_due_at
    updated = breach_update(
        breach,
        actor=dpo,
        description="Two schools received it.",
        agencies=[agencies["CSC"], agencies["HEALTH"]],
        lead_agency=agencies["CSC"],
        data_categories=["health"],
        people_affected=None,
        expected_version=1,
    )
    assert updated.ico_due_at == due
    assert updated.people_affected is None
    assert set(updated.agencies.values_list("code", flat=True)) == {"CSC", "HEALTH"}


def test_hours_remaining_counts_down_in_elapsed_time(dpo, agencies):
    with time_machine.travel(datetime(2026, 5, 1, 18, 0, tzinfo=LONDON), tick=False):
        breach = _breach(dpo, agencies, discovered_at=timezone.now() - timedelta(hours=1))
    saturday = datetime(2026, 5, 2, 17, 0, tzinfo=LONDON)
    assert breach.ico_hours_remaining(saturday) == pytest.approx(48)
    monday = datetime(2026, 5, 4, 17, 30, tzinfo=LONDON)
    assert breach.ico_overdue(monday)
