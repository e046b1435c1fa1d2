"""The DPO's Record of Sharing: search by person, agency, date and basis; paging at a constant
query count; the CSV export (and its audit entry); "who has this been shared with?"."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.models import Team
from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.enquiries.tests.factories import PersonFactory
from openmash.governance.codes import Article6, DisclosureKind, Purpose
from openmash.governance.models import SharingRecord
from openmash.governance.services import LawfulBasis, sharing_record
from openmash.governance.views_sharing import CSV_HEADERS
from openmash.people.tests.factories import make_person
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


def _share(
    by,
    kind=DisclosureKind.AGENCY_RESPONSE,
    *,
    to=None,
    team=None,
    who="",
    subjects=(),
    basis=None,
    summary="Synthetic disclosure",
    at=None,
):
    with time_machine.travel(at or timezone.now(), tick=False), transaction.atomic():
        return sharing_record(
            kind=kind,
            shared_by=by,
            from_agency=by.agency,
            to_agency=to,
            to_team=team,
            to_description=who,
            subjects=subjects,
            record_type="synthetic record",
            summary=summary,
            basis=basis,
        )


@pytest.fixture
def dpo_client(staff, signed_in):
    return signed_in(staff["dpo"])


def _search(client, **data):
    fields = {"local_id": "", "from_agency": "", "to_agency": "", "article6": "", "kind": ""}
    for part in ("date_from", "date_to"):
        for i in range(3):
            fields[f"{part}_{i}"] = ""
    fields.update(data)
    response = client.post(reverse("governance:sharing_search"), {**fields, "search": "Search"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("governance:sharing_search")  # nothing in the URL
    return client.get(response["Location"])


def _rows(response) -> list:
    return list(response.context["page"].object_list)


def test_only_the_dpo_searches(staff, signed_in):
    for who in ("pm", "police", "rio"):
        client = signed_in(staff[who])
        assert client.get(reverse("governance:sharing_search")).status_code == 403
        assert client.get(reverse("governance:sharing_export")).status_code == 403
        client.logout()


def test_search_by_person_agency_date_and_basis(staff, agencies, dpo_client):
    child, other = PersonFactory(), PersonFactory()
    police, health, csc = staff["police"], staff["health"], agencies["CSC"]
    march = dt.datetime(2025, 3, 10, 11, 0, tzinfo=LONDON)
    april = dt.datetime(2025, 4, 10, 11, 0, tzinfo=LONDON)
    first = _share(police, to=csc, subjects=[child], at=march)
    second = _share(health, to=csc, subjects=[child], at=april)
    vital = _share(
        police,
        to=csc,
        subjects=[other],
        at=april,
        basis=LawfulBasis(Purpose.SAFEGUARD_CHILDREN, Article6.VITAL_INTERESTS),
    )

    assert set(_rows(_search(dpo_client, local_id=child.local_id.lower()))) == {first, second}
    rows = _rows(_search(dpo_client, from_agency=agencies["POLICE"].pk))
    assert set(rows) == {first, vital}
    rows = _rows(_search(dpo_client, to_agency=csc.pk, from_agency=agencies["HEALTH"].pk))
    assert rows == [second]
    rows = _rows(
        _search(
            dpo_client,
            date_from_0="1",
            date_from_1="4",
            date_from_2="2025",
            date_to_0="30",
            date_to_1="4",
            date_to_2="2025",
        )
    )
    assert set(rows) == {second, vital}
    assert _rows(_search(dpo_client, article6=Article6.VITAL_INTERESTS)) == [vital]


def test_filtering_by_a_person_is_a_logged_view_of_their_information(staff, dpo_client):
    child = PersonFactory()
    _share(staff["police"], to=staff["pm"].agency, subjects=[child])
    _search(dpo_client, local_id=child.local_id)
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(kind="access", actor=staff["dpo"], person_id=child.pk).exists()


def test_unknown_local_id_and_bad_dates_are_errors(staff, dpo_client):
    fields = {f"date_{p}_{i}": "" for p in ("from", "to") for i in range(3)}
    response = dpo_client.post(
        reverse("governance:sharing_search"),
        {
            **fields,
            "local_id": "NOPE123",
            "date_to_0": "31",
            "date_to_1": "2",
            "date_to_2": "2025",
            "search": "Search",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    assert "No one in the person index has this local person ID" in body
    assert "To date must be a real date" in body


def test_find_a_person_by_name_then_see_their_sharing(staff, agencies, dpo_client):
    child = make_person(forename="Amelia", surname="Whitcombe")
    record = _share(staff["police"], to=agencies["CSC"], subjects=[child])
    _share(staff["police"], to=agencies["CSC"], subjects=[PersonFactory()])
    fields = {f"find-date_of_birth_{i}": "" for i in range(3)}
    response = dpo_client.post(
        reverse("governance:sharing_search"),
        {**fields, "find-forename": "Amelia", "find-surname": "Whitcomb", "find_person": "Find"},
    )
    assert response.status_code == 200
    assert [m.person for m in response.context["candidates"]] == [child]
    response = dpo_client.post(reverse("governance:sharing_search"), {"choose_person": child.pk})
    assert response.status_code == 302
    page = dpo_client.get(response["Location"])
    assert _rows(page) == [record]
    assert "Who has this person" in page.content.decode()


def test_results_page_costs_a_constant_number_of_queries(
    staff, agencies, dpo_client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    teams = list(Team.objects.all()[:2])

    def fill(n):
        for i in range(n):
            _share(
                staff["pm"],
                DisclosureKind.HANDOVER_SUMMARY,
                team=teams[i % 2],
                subjects=[PersonFactory(), PersonFactory()],
            )

    url = reverse("governance:sharing_search")
    fill(5)
    with CaptureQueriesContext(connection) as few:
        assert dpo_client.get(url).status_code == 200
    fill(55)
    assert SharingRecord.objects.count() == 60
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = dpo_client.get(url + "?page=2")
    assert len(_rows(response)) == 25


def test_csv_export_of_the_current_search(staff, agencies, dpo_client):
    child = PersonFactory()
    _share(
        staff["police"],
        to=agencies["CSC"],
        subjects=[child],
        summary='=HYPERLINK("http://example.invalid")',  # a formula must not run
    )
    _share(staff["health"], to=agencies["CSC"], subjects=[PersonFactory()])
    _search(dpo_client, from_agency=agencies["POLICE"].pk)
    response = dpo_client.get(reverse("governance:sharing_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADERS
    assert len(rows) == 2  # the header and the police disclosure only
    row = dict(zip(CSV_HEADERS, rows[1], strict=True))
    assert row["From agency"] == agencies["POLICE"].name
    assert row["People it was about (local person IDs)"] == child.local_id
    assert row["UK GDPR Article 6 basis"] == Article6.PUBLIC_TASK.label
    assert row["Summary"].startswith("'=")
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.EXPORTED)
    assert entry.actor == staff["dpo"]
    assert entry.payload["rows"] == 1
    assert entry.payload["filters"] == {"from_agency_id": str(agencies["POLICE"].pk)}


def test_who_has_this_been_shared_with(staff, agencies, teams_by_code, dpo_client):
    child = PersonFactory()
    team = teams_by_code["ASSESSMENT"]
    _share(staff["police"], to=agencies["CSC"], subjects=[child])
    _share(staff["health"], to=agencies["CSC"], subjects=[child])
    _share(staff["pm"], DisclosureKind.HANDOVER_SUMMARY, team=team, subjects=[child])
    _share(staff["pm"], DisclosureKind.OUTCOME_TO_PARTNER, to=agencies["POLICE"], subjects=[child])
    _share(staff["pm"], DisclosureKind.OUTCOME_TO_PARTNER, to=agencies["POLICE"], subjects=[child])
    _share(
        staff["pm"],
        DisclosureKind.REFERRER_FEEDBACK,
        who="referrer@school.example",
        subjects=[child],
    )
    _share(staff["pm"], to=agencies["HEALTH"], subjects=[PersonFactory()])  # someone else's
    response = dpo_client.get(reverse("governance:person_recipients", args=[child.pk]))
    assert response.status_code == 200
    recipients = {r.label: r.times for r in response.context["recipients"]}
    assert recipients == {
        agencies["CSC"].name: 2,
        team.name: 1,
        agencies["POLICE"].name: 2,
        "referrer@school.example": 1,
    }
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(kind="access", person_id=child.pk).exists()


@pytest.fixture
def teams_by_code(agencies):
    return {t.code: t for t in Team.objects.select_related("agency")}
