"""The demo loader: analyses, decisions (one s47), handovers and feedback — idempotently."""

import datetime as dt

import pytest
import time_machine

from openmash.accounts.demo import create_demo_staff
from openmash.contacts.models import Contact, ContactStatus
from openmash.core.demo import DEMO_LOADERS
from openmash.decisions.codes import Outcome
from openmash.decisions.demo import load_demo_decisions
from openmash.decisions.models import Analysis, Decision, FeedbackStatus
from openmash.decisions.selectors import decided_today_queue
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


def _run_demo_loaders():
    # The reporting app's twelve weeks of decided history is not this test's subject.
    for loader in DEMO_LOADERS:
        if loader.__name__ != "load_demo_history":
            loader()


@time_machine.travel(dt.datetime(2025, 3, 12, 14, 0, tzinfo=LONDON), tick=False)
def test_demo_decisions(agencies):
    create_demo_staff({})
    assert load_demo_decisions in DEMO_LOADERS
    _run_demo_loaders()  # people, contacts, enquiries, then decisions (app order)

    assert Analysis.unscoped.filter(analysed_by__username="sw").count() >= 2
    s47 = Decision.unscoped.get(outcome=Outcome.STRATEGY_S47)
    assert s47.decided_by.username == "pm"
    assert s47.is_referral and s47.receiving_team.code == "ASSESSMENT"
    assert Contact.unscoped.filter(status=ContactStatus.ANALYSED).exists()  # awaiting decision
    outcomes = set(Decision.unscoped.values_list("outcome", flat=True))
    assert {Outcome.NFA, Outcome.SIGNPOST, Outcome.EARLY_HELP_3, Outcome.OPEN_CASE} <= outcomes

    pm = s47.decided_by
    today = list(decided_today_queue(pm))
    assert s47.contact in today
    assert 0 < len(today) < Decision.unscoped.count()  # some decided on earlier days

    kinds = set(SharingRecord.objects.values_list("kind", flat=True))
    assert DisclosureKind.HANDOVER_SUMMARY in kinds
    assert DisclosureKind.REFERRER_FEEDBACK in kinds
    assert Decision.unscoped.filter(feedback_status=FeedbackStatus.SENT).exists()

    counts = (Analysis.unscoped.count(), Decision.unscoped.count(), SharingRecord.objects.count())
    assert load_demo_decisions() == "Analyses and decisions: already present"
    _run_demo_loaders()
    assert counts == (
        Analysis.unscoped.count(),
        Decision.unscoped.count(),
        SharingRecord.objects.count(),
    )


def test_demo_decisions_need_the_demo_staff(agencies):
    assert "skipped" in load_demo_decisions()
    assert not Decision.unscoped.exists()
