"""The governance demo loader (part A): consent withdrawals, an agreed override, a restricted
child with a named user and a break-glass access — through the services, idempotently."""

import datetime as dt

import pytest
import time_machine

from openmash.accounts.demo import create_demo_staff
from openmash.contacts.codes import ConsentStatus
from openmash.contacts.models import Contact
from openmash.core.demo import DEMO_LOADERS
from openmash.governance.demo_consent import load_demo_governance
from openmash.governance.models import (
    BreakGlassAccess,
    ConsentOverride,
    ConsentRecord,
    OverrideStatus,
    PersonRestriction,
    RestrictedAccessGrant,
)
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2025, 3, 12, 14, 0, tzinfo=LONDON), tick=False)
def test_demo_governance(agencies):
    create_demo_staff({})
    assert load_demo_governance in DEMO_LOADERS
    for loader in DEMO_LOADERS:
        loader()

    assert Contact.unscoped.filter(consent_status=ConsentStatus.WITHDRAWN).count() == 2
    override = ConsentOverride.unscoped.get()
    assert override.status == OverrideStatus.AGREED
    assert (override.proposed_by.username, override.decided_by.username) == ("pm", "police")
    restriction = PersonRestriction.objects.get()
    assert restriction.person.restricted
    assert RestrictedAccessGrant.objects.filter(user__username="sw").exists()
    assert BreakGlassAccess.objects.get().user.username == "rio"

    counts = (ConsentRecord.unscoped.count(), BreakGlassAccess.objects.count())
    assert load_demo_governance() == "Information governance: already present"
    assert counts == (ConsentRecord.unscoped.count(), BreakGlassAccess.objects.count())
