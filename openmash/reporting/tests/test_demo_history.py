"""The demo history loader: twelve weeks of decided contacts for the timeliness dashboard,
created after every other demo loader without touching their records, idempotently."""

import datetime as dt

import pytest
import time_machine

from openmash.accounts.demo import create_demo_staff
from openmash.accounts.models import User
from openmash.contacts.models import Contact, ContactStatus
from openmash.contacts.transitions import next_reference
from openmash.core.demo import DEMO_LOADERS
from openmash.decisions.models import Decision
from openmash.enquiries.models import InformationRequest, MashEnquiry, RequestStatus
from openmash.reporting import selectors
from openmash.reporting.demo_history import COUNT, KEY_PREFIX, load_demo_history
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026, mid-morning.
NOW = dt.datetime(2026, 3, 11, 10, 30, tzinfo=LONDON)


def test_history_loads_after_the_other_loaders_idempotently(agencies):
    create_demo_staff({})
    with time_machine.travel(NOW, tick=False):
        assert DEMO_LOADERS[-1] is load_demo_history
        for loader in DEMO_LOADERS[:-1]:
            loader()
        others = {c.pk: (c.status, c.reference) for c in Contact.unscoped.all()}

        assert load_demo_history().startswith(f"Demo history: {COUNT} decided contacts")
        history = Contact.unscoped.filter(idempotency_key__startswith=KEY_PREFIX)
        assert history.count() == COUNT
        assert set(history.values_list("status", flat=True)) == {ContactStatus.DECIDED}
        assert Decision.unscoped.filter(contact__in=history).count() == COUNT
        assert all(ref.startswith("H") for ref in history.values_list("reference", flat=True))
        assert not history.filter(decided_at__isnull=True).exists()
        # The other loaders' contacts are as they were.
        assert {
            c.pk: (c.status, c.reference) for c in Contact.unscoped.exclude(pk__in=history)
        } == others
        enquiries = MashEnquiry.unscoped.filter(contact__in=history)
        assert 0.2 * COUNT < enquiries.count() < 0.4 * COUNT
        assert (
            not InformationRequest.unscoped.filter(enquiry__in=enquiries)
            .exclude(status=RequestStatus.RESPONDED, responded_at__isnull=False)
            .exists()
        )
        # New references still come from the counter, which the history never used.
        assert next_reference().startswith("C26-")

        assert load_demo_history() == "Demo history: already present."
        assert Contact.unscoped.filter(idempotency_key__startswith=KEY_PREFIX).count() == COUNT


def test_dashboard_has_twelve_weeks_of_figures(agencies):
    create_demo_staff({})
    with time_machine.travel(NOW, tick=False):
        load_demo_history()
        pm = User.objects.get(username="pm")

        weeks = selectors.decisions_within_a_working_day(pm)
        assert len(weeks) == selectors.WEEKS
        filled = [w.share for w in weeks if w.share.total]
        assert len(filled) >= 10
        total = sum(filled, selectors.Share())
        assert 0.75 <= total.in_time / total.total <= 0.95
        for share in filled:
            assert 0.5 <= share.in_time / share.total <= 1.0

        agencies_ = {row.agency: row for row in selectors.red_requests_within_four_hours(pm)}
        assert set(agencies_) == {"Police", "Health", "Education"}
        for row in agencies_.values():
            assert 0.5 <= row.share.in_time / row.share.total <= 1.0
            assert sum(1 for w in row.weeks if w.share.total) >= 6
        assert agencies_["Police"].share.percent > agencies_["Education"].share.percent
