"""A partner's outcomes page looks back over a chosen period (30 days by default), so it reads
an index range rather than every decision the agency ever contributed to."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.decisions import selectors
from openmash.decisions.codes import Outcome
from openmash.decisions.models import Decision
from openmash.decisions.services import contact_decide

pytestmark = pytest.mark.django_db
URL = reverse("decisions:outcomes")


@pytest.fixture
def decided_days_ago(analysed_contact, staff, teams):
    """decided_days_ago(n) -> a contact the police answered about, decided ``n`` days ago."""

    def _make(days):
        contact = analysed_contact(agency_codes=("POLICE",))
        contact_decide(
            contact,
            actor=staff["pm"],
            outcome=Outcome.STRATEGY_S47,
            rationale="Synthetic rationale.",
            receiving_team=teams["ASSESSMENT"],
            expected_version=contact.version,
        )
        Decision.unscoped.filter(contact=contact).update(
            decided_at=timezone.now() - timedelta(days=days)
        )
        return contact

    return _make


def test_the_default_period_is_the_last_30_days(decided_days_ago, staff, signed_in):
    recent, older = decided_days_ago(3), decided_days_ago(45)

    page = signed_in(staff["police"]).get(URL).content.decode()

    assert recent.reference in page
    assert older.reference not in page
    assert "Outcomes decided in the last 30 days, newest first: 1 to 1" in page
    assert '<option value="30" selected>30 days</option>' in page


def test_a_longer_period_shows_older_outcomes(decided_days_ago, staff, signed_in):
    recent, older, oldest = decided_days_ago(3), decided_days_ago(45), decided_days_ago(400)

    page = signed_in(staff["police"]).get(URL, {"period": "365"}).content.decode()

    assert recent.reference in page and older.reference in page
    assert oldest.reference not in page
    assert "Outcomes decided in the last 12 months, newest first: 1 to 2" in page


@pytest.mark.parametrize("period", ["7", "abc", "100000", ""])
def test_an_unknown_period_falls_back_to_the_default(period, decided_days_ago, staff, signed_in):
    decided_days_ago(45)

    response = signed_in(staff["police"]).get(URL, {"period": period})

    assert response.status_code == 200
    assert "No outcomes in the last 30 days." in response.content.decode()


def test_the_selector_refuses_an_unbounded_period(staff):
    with pytest.raises(ValueError, match="days only"):
        selectors.partner_outcomes(staff["police"], days=100000)


def test_pages_go_newer_and_older_and_keep_the_period(
    decided_days_ago, staff, signed_in, monkeypatch
):
    monkeypatch.setattr("openmash.decisions.views.OUTCOMES_PAGE_SIZE", 1)
    newer, older = decided_days_ago(40), decided_days_ago(50)
    client = signed_in(staff["police"])

    first = client.get(URL, {"period": "90"}).content.decode()
    second = client.get(URL, {"period": "90", "page": "2"}).content.decode()

    assert newer.reference in first and older.reference not in first
    assert "?period=90&amp;page=2" in first and 'rel="prev"' not in first
    assert older.reference in second and newer.reference not in second
    assert "?period=90&amp;page=1" in second and 'rel="next"' not in second
    assert "newest first: 2 to 2" in second


@pytest.mark.parametrize("page", ["0", "-3", "x", "99"])
def test_odd_page_numbers_are_safe(page, decided_days_ago, staff, signed_in):
    decided_days_ago(3)

    assert signed_in(staff["police"]).get(URL, {"page": page}).status_code == 200
