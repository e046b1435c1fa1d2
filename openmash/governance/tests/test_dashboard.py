"""The DPO dashboard: overrides this month, break-glass accesses to review, sharing volumes by
agency and basis (aggregates, a constant number of queries), and the registers' slots."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openmash.contacts.codes import ConsentStatus
from openmash.governance import dashboard_registers
from openmash.governance.codes import Article6, DisclosureKind, Purpose
from openmash.governance.models import BreakGlassAccess, ConsentOverride, OverrideStatus
from openmash.governance.services import LawfulBasis, sharing_record
from openmash.governance.services_consent import (
    consent_override_agree,
    consent_override_propose,
    consent_record,
)
from openmash.governance.services_restricted import break_glass_open, person_restrict
from openmash.people.tests.factories import make_person
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=LONDON)


def _agreed_override(staff, agencies, new_contact, at):
    with time_machine.travel(at, tick=False):
        contact = new_contact()
        consent_record(contact, actor=staff["pm"], status=ConsentStatus.WITHDRAWN)
        override = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground="significant_harm",
            rationale="Risk of significant harm.",
        )
        return consent_override_agree(override, actor=staff["police"])


def _share(user, to, basis=None, at=None):
    with time_machine.travel(at or NOW, tick=False), transaction.atomic():
        sharing_record(
            kind=DisclosureKind.AGENCY_RESPONSE,
            shared_by=user,
            from_agency=user.agency,
            to_agency=to,
            record_type="synthetic",
            basis=basis,
        )


@pytest.fixture
def board_data(staff, agencies, recorded_contact):
    this_month = _agreed_override(staff, agencies, recorded_contact, NOW - dt.timedelta(days=2))
    _agreed_override(staff, agencies, recorded_contact, NOW - dt.timedelta(days=40))
    csc = agencies["CSC"]
    _share(staff["police"], csc)
    _share(staff["police"], csc)
    _share(
        staff["health"],
        csc,
        basis=LawfulBasis(Purpose.SAFEGUARD_CHILDREN, Article6.VITAL_INTERESTS),
    )
    _share(staff["police"], csc, at=NOW - dt.timedelta(days=60))  # before this month
    person = make_person()
    person_restrict(person, actor=staff["dpo"], reason="Relative of staff.")
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        break_glass_open(
            staff["rio"], [person.pk], reason="Checking a new contact today.", channel="x"
        )
    return this_month


def test_dashboard_shows_this_months_figures(staff, agencies, board_data, signed_in):
    client = signed_in(staff["dpo"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("governance:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.overrides_this_month == [board_data]
    assert board.overrides_awaiting == 0
    assert [a.user for a in board.break_glass] == [staff["rio"]]
    assert board.break_glass_unreviewed == 1
    assert board.shared_total == 3
    volumes = {v.label: v.count for v in board.by_from_agency}
    assert volumes == {agencies["POLICE"].name: 2, agencies["HEALTH"].name: 1}
    assert {v.label: v.count for v in board.by_to_agency} == {agencies["CSC"].name: 3}
    assert {v.label: v.count for v in board.by_article6} == {
        Article6.PUBLIC_TASK.label: 2,
        Article6.VITAL_INTERESTS.label: 1,
    }
    body = response.content.decode()
    assert "Checking a new contact today." in body
    assert board_data.contact.reference in body


def test_a_longer_period_counts_older_sharing(staff, board_data, signed_in):
    client = signed_in(staff["dpo"])
    with time_machine.travel(NOW, tick=False):
        board = client.get(reverse("governance:dashboard") + "?period=quarter").context["board"]
        ignored = client.get(reverse("governance:dashboard") + "?period=bogus").context["board"]
    assert board.shared_total == 4
    assert ignored.period == "month"


def test_review_a_break_glass_access(staff, board_data, signed_in):
    access = BreakGlassAccess.objects.get()
    response = signed_in(staff["dpo"]).post(
        reverse("governance:break_glass_review", args=[access.pk]), {"note": "Spoke to them."}
    )
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == staff["dpo"] and access.review_note == "Spoke to them."


def test_only_the_dpo(staff, signed_in):
    for who in ("pm", "police"):
        client = signed_in(staff[who])
        assert client.get(reverse("governance:dashboard")).status_code == 403
        client.logout()


def test_dashboard_costs_a_constant_number_of_queries(
    staff, agencies, recorded_contact, signed_in, django_assert_max_num_queries
):
    client = signed_in(staff["dpo"])
    url = reverse("governance:dashboard")
    _agreed_override(staff, agencies, recorded_contact, timezone.now())
    _share(staff["police"], agencies["CSC"], at=timezone.now())
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        _agreed_override(staff, agencies, recorded_contact, timezone.now())
        _share(staff["health"], agencies["CSC"], at=timezone.now())
    assert ConsentOverride.unscoped.filter(status=OverrideStatus.AGREED).count() == 7
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_register_slots_never_show_made_up_numbers(staff, monkeypatch):
    monkeypatch.delattr(dashboard_registers.selectors, "rights_register_summary", raising=False)
    monkeypatch.delattr(dashboard_registers.selectors, "breach_register_summary", raising=False)
    slots = dashboard_registers.register_summaries(staff["dpo"])
    assert [s.exists for s in slots] == [False, False]
    assert all(s.open_count is None and "once the register exists" in s.note for s in slots)
