"""The timeliness dashboard: exact figures on a seeded dataset, who may see it, and a constant
number of queries."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openmash.contacts.models import ContactStatus
from openmash.enquiries.models import EnquiryStatus
from openmash.reporting import selectors
from openmash.reporting.selectors import DueCounts, Share
from openmash.timescales.calendar import LONDON
from openmash.timescales.tests.factories import (
    ContactFactory,
    InformationRequestFactory,
    MashEnquiryFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("reporting:timeliness")
# Wednesday 11 March 2026, 12:00 GMT: "due soon" runs to 14:00, "today" to midnight.
NOW = datetime(2026, 3, 11, 12, tzinfo=LONDON)


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def wednesday_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(make_user):
    return {
        "pm": make_user("practice_manager"),
        "tm": make_user("team_manager"),
        "am": make_user("area_manager"),
        "sw": make_user("mash_social_worker"),
        "rio": make_user("referral_officer"),
        "eh": make_user("early_help", agency="EARLY_HELP"),
        "police": make_user("partner_practitioner", agency="POLICE"),
        "dpo": make_user("dpo"),
        "admin": make_user("administrator"),
    }


def contact(status=ContactStatus.RECORDED, due=None, **fields):
    fields.setdefault("received_at", at(10, 10))
    if due is not None:
        fields["decision_due_at"] = due
    return ContactFactory(status=status, **fields)


def in_enquiry(enquiry_status, due, **contact_fields):
    return MashEnquiryFactory(
        status=enquiry_status,
        contact=contact(ContactStatus.ENQUIRY, due, **contact_fields),
        opened_by=contact_fields.pop("opened_by", None) or _pm(),
    )


def _pm():
    from openmash.accounts.models import User

    return User.objects.filter(roles__code="practice_manager").first()


def request(agency, due, *, enquiry_status=EnquiryStatus.OPEN, **fields):
    return InformationRequestFactory(
        agency=agency,
        due_at=due,
        enquiry__status=enquiry_status,
        enquiry__opened_by=_pm(),
        **fields,
    )


# -- due today, due soon, overdue --------------------------------------------------------------


def test_work_in_progress_by_stage(staff):
    contact(ContactStatus.SUBMITTED, at(11, 11))  # to record: overdue
    contact(ContactStatus.RECORDED, at(11, 13))  # to screen: due soon
    contact(ContactStatus.RECORDED, at(11, 15))  # to screen: later today
    contact(ContactStatus.RECORDED, at(12, 10))  # to screen: tomorrow
    in_enquiry(EnquiryStatus.OPEN, at(11, 11, 30))  # in enquiry: overdue
    in_enquiry(EnquiryStatus.READY, at(11, 13, 59))  # awaiting analysis: due soon
    contact(ContactStatus.ANALYSED, at(10, 16))  # awaiting decision: overdue
    contact(ContactStatus.ANALYSED, at(11, 14))  # awaiting decision: later today (14:00)
    contact(ContactStatus.DECIDED, at(11, 9), decided_at=at(10, 15))  # not counted

    rows = {row.key: row.counts for row in selectors.due_by_stage(staff["pm"])}

    assert rows == {
        "to_record": DueCounts(overdue=1, due_soon=0, due_later_today=0, outstanding=1),
        "to_screen": DueCounts(overdue=0, due_soon=1, due_later_today=1, outstanding=3),
        "in_enquiry": DueCounts(overdue=1, due_soon=0, due_later_today=0, outstanding=1),
        "awaiting_analysis": DueCounts(overdue=0, due_soon=1, due_later_today=0, outstanding=1),
        "awaiting_decision": DueCounts(overdue=1, due_soon=0, due_later_today=1, outstanding=2),
    }


def test_information_requests_by_agency(staff, agencies):
    police, health = agencies["POLICE"], agencies["HEALTH"]
    request(police, at(11, 11))  # overdue
    request(police, at(11, 13))  # due soon
    request(health, at(11, 16))  # later today
    request(health, at(11, 9), enquiry_status=EnquiryStatus.READY)  # went ahead without it
    request(police, at(11, 9), status="responded", responded_at=at(11, 8, 30))  # answered

    rows = [(row.agency, row.counts) for row in selectors.due_by_agency(staff["pm"])]

    assert rows == [
        ("Health", DueCounts(overdue=0, due_soon=0, due_later_today=1, outstanding=1)),
        ("Police", DueCounts(overdue=1, due_soon=1, due_later_today=0, outstanding=2)),
    ]


# -- the last 12 weeks -------------------------------------------------------------------------


def decided(received, *, in_time=True):
    due = received + timedelta(days=1)
    return ContactFactory(
        received_at=received,
        decision_due_at=due,
        status=ContactStatus.DECIDED,
        decided_at=due - timedelta(hours=1) if in_time else due + timedelta(hours=1),
    )


def test_share_of_contacts_decided_within_a_working_day(staff):
    decided(at(2, 10))
    decided(at(3, 11))
    decided(at(6, 15), in_time=False)  # week of 2 March: 2 of 3
    decided(datetime(2026, 2, 23, 10, tzinfo=LONDON))
    contact(received_at=datetime(2026, 2, 24, 10, tzinfo=LONDON), due=at(2, 10))  # missed
    decided(at(9, 10))
    contact(received_at=at(11, 9), due=at(12, 9))  # still in time: not counted yet
    decided(datetime(2025, 12, 10, 10, tzinfo=LONDON))  # before the 12 weeks

    weeks = selectors.decisions_within_a_working_day(staff["pm"])

    assert len(weeks) == 12
    assert weeks[0].week == date(2025, 12, 22)
    assert weeks[-1].week == date(2026, 3, 9)
    shares = {w.week: w.share for w in weeks if w.share.total}
    assert shares == {
        date(2026, 2, 23): Share(1, 2),
        date(2026, 3, 2): Share(2, 3),
        date(2026, 3, 9): Share(1, 1),
    }
    assert [shares[d].percent for d in sorted(shares)] == [50, 67, 100]


def test_share_of_red_requests_answered_within_four_working_hours(staff, agencies):
    police, health = agencies["POLICE"], agencies["HEALTH"]

    def red(agency, requested, *, answered_after=None, rag="red"):
        due = requested + timedelta(hours=4)
        fields = {}
        if answered_after is not None:
            fields = {"status": "responded", "responded_at": requested + answered_after}
        return request(
            agency,
            due,
            requested_at=requested,
            enquiry__contact__rag=rag,
            enquiry__contact__received_at=requested,
            **fields,
        )

    red(police, at(2, 10), answered_after=timedelta(hours=3))
    red(police, at(3, 10), answered_after=timedelta(hours=4))  # exactly on time
    red(police, at(4, 10), answered_after=timedelta(hours=5))  # late
    red(police, at(9, 10))  # unanswered, past due: late
    red(health, datetime(2026, 2, 24, 10, tzinfo=LONDON), answered_after=timedelta(hours=1))
    red(health, at(11, 11))  # unanswered, still in time: not counted yet
    red(health, at(2, 10), answered_after=timedelta(hours=9), rag="amber")  # not Red

    result = {a.agency: a for a in selectors.red_requests_within_four_hours(staff["pm"])}

    assert set(result) == {"Police", "Health"}
    assert result["Police"].share == Share(2, 4)
    assert result["Health"].share == Share(1, 1)
    police_weeks = {w.week: w.share for w in result["Police"].weeks if w.share.total}
    assert police_weeks == {date(2026, 3, 2): Share(2, 3), date(2026, 3, 9): Share(0, 1)}
    assert len(result["Police"].weeks) == 12


def test_percentages_round_half_up():
    assert [Share(1, 8).percent, Share(2, 3).percent, Share(1, 3).percent] == [13, 67, 33]
    assert Share(0, 0).percent is None


# -- the page ----------------------------------------------------------------------------------


def test_the_page_shows_the_figures_as_chart_and_table(staff, agencies, signed_in):
    decided(at(2, 10))
    decided(at(3, 11), in_time=False)
    request(
        agencies["POLICE"],
        at(2, 14),
        requested_at=at(2, 10),
        enquiry__contact__rag="red",
        # Fixed, not Faker's random past: a contact received within the last working day would
        # not yet be past its deadline and the share would change from run to run.
        enquiry__contact__received_at=at(2, 10),
        status="responded",
        responded_at=at(2, 11),
    )

    response = signed_in(staff["pm"]).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="img" aria-labelledby="decisions-chart-title decisions-chart-desc"' in page
    assert (
        '<title id="decisions-chart-title">Contacts decided within 1 working day, '
        "by week received</title>" in page
    )
    assert '<title id="red-chart-title">' in page
    # The request's own contact, undecided and past its deadline, counts as a missed decision.
    assert "<strong>33%</strong> (1 of 3) decided in time" in page
    assert "<strong>100%</strong> (1 of 1) answered in time overall" in page
    assert '<time datetime="2026-03-02">2 Mar 2026</time>' in page
    assert "Police: 100% (1 of 1)" in page  # the bar's tooltip
    assert 'href="/contacts/queues/to-screen/"' in page  # stages link to their queues


def test_an_empty_mash_shows_an_empty_dashboard(staff, signed_in):
    page = signed_in(staff["tm"]).get(URL).content.decode()

    assert "no contacts to count yet" in page
    assert "No agency has an information request waiting for a response." in page
    assert "No Red information requests to count in the last 12 weeks." in page


@pytest.mark.parametrize("who", ["pm", "tm", "am"])
def test_managers_may_see_the_dashboard(staff, signed_in, who):
    assert signed_in(staff[who]).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["police", "dpo", "admin", "sw", "rio", "eh"])
def test_others_may_not(staff, signed_in, who):
    assert signed_in(staff[who]).get(URL).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _seed(n, agencies):
    for i in range(n):
        decided(at(2, 10) - timedelta(days=7 * (i % 10)), in_time=i % 3 != 0)
        contact(ContactStatus.RECORDED, at(11, 13))
        request(
            agencies["POLICE" if i % 2 else "HEALTH"],
            at(2, 14) - timedelta(days=7 * (i % 10)),
            requested_at=at(2, 10) - timedelta(days=7 * (i % 10)),
            enquiry__contact__rag="red",
        )


def test_the_page_costs_the_same_queries_however_much_work(
    staff, agencies, signed_in, django_assert_max_num_queries
):
    client = signed_in(staff["pm"])
    client.get(URL)  # warm the session and MFA flag
    _seed(5, agencies)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _seed(55, agencies)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.status_code == 200
    # Session, user, roles, the header's agency, four aggregate queries, the session save.
    assert len(few.captured_queries) <= 12
