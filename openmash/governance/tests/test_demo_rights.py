"""The part B demo loader: schedules, rights requests (one overdue), breaches (one inside its
72-hour clock, one decided) — through the services, idempotently."""

import datetime as dt

import pytest
import time_machine

from openmash.accounts.demo import create_demo_staff
from openmash.core.demo import DEMO_LOADERS
from openmash.governance.demo_rights import SCHEDULES, load_demo_rights
from openmash.governance.models import Breach, RetentionSchedule, RightsRequest
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2025, 3, 12, 14, 0, tzinfo=LONDON), tick=False)
def test_demo_rights_retention_breaches(agencies):
    create_demo_staff({})
    assert load_demo_rights in DEMO_LOADERS
    for loader in DEMO_LOADERS:
        loader()

    assert RetentionSchedule.objects.filter(active=True).count() == len(SCHEDULES)
    requests = list(RightsRequest.unscoped.all())
    assert len(requests) == 4
    assert sum(r.is_overdue for r in requests) == 1
    assert any(r.person_id is None for r in requests)
    overdue = next(r for r in requests if r.is_overdue)
    assert overdue.person_id is not None
    breaches = list(Breach.unscoped.order_by("discovered_at"))
    assert breaches[0].status == "closed" and breaches[0].ico_report is False
    assert breaches[1].ico_decision_pending and not breaches[1].ico_overdue()

    assert load_demo_rights() == "Rights, retention and breaches: already present"
    assert RightsRequest.unscoped.count() == 4
