"""The DPO's Record of Sharing: search, CSV export, and "who has this been shared with?".

Search terms are posted, kept in the session and never put in a URL (a person's ID or name in
a URL would end up in proxy logs and browser history); pagination links carry only ``?page=N``
and the CSV export exports the search in the session.
"""

import csv
from dataclasses import replace
from uuid import UUID

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.models import AuditEntry
from openmash.audit.services import AuditTarget, access_record, audit_record, channel_from_request

from . import selectors
from .forms_sharing import PersonFindForm, SharingSearchForm
from .selectors import SharingSearch

SEARCH_SESSION_KEY = "openmash.governance.sharing_search"
PAGE_SIZE = 25


def _person_target(person) -> AuditTarget:
    return AuditTarget("people.person", str(person.pk), f"Person {person.local_id}")


def _session_search(request) -> SharingSearch:
    return SharingSearch.from_session(request.session.get(SEARCH_SESSION_KEY))


def _keep(request, search: SharingSearch):
    request.session[SEARCH_SESSION_KEY] = search.to_session()
    return redirect("governance:sharing_search")


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def sharing_search(request):
    """Search by person, agency (sharing or receiving), dates, lawful basis and kind; POST
    sets the filter, GET pages it."""
    user = request.user
    search = _session_search(request)
    person = selectors.sharing_person_get(user, search.person_id) if search.person_id else None
    form = SharingSearchForm(
        initial=SharingSearchForm.initial_for(search, person and person.local_id)
    )
    find_form = PersonFindForm()
    candidates = None
    status = 200
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(SEARCH_SESSION_KEY, None)
            return redirect("governance:sharing_search")
        if "choose_person" in request.POST:
            chosen = selectors.sharing_person_get(user, _uuid(request.POST.get("choose_person")))
            return _keep(request, _with_person(search, chosen.pk))
        if "find_person" in request.POST:
            find_form = PersonFindForm(request.POST)
            if find_form.is_valid():
                candidates = selectors.sharing_person_candidates(user, find_form.query())
            else:
                status = 400
        else:
            form = SharingSearchForm(request.POST)
            valid = form.is_valid()
            local_id = form.cleaned_data.get("local_id", "")
            found = selectors.sharing_person_by_local_id(user, local_id) if local_id else None
            if local_id and found is None:
                form.add_error("local_id", "No one in the person index has this local person ID")
            elif valid:
                return _keep(request, form.search(person_id=found.pk if found else None))
            status = 400
    paginator = Paginator(selectors.sharing_records_search(user, search), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if person is not None:
        access_record(user, _person_target(person), channel_from_request(request), person.pk)
    return render(
        request,
        "governance/sharing/search.html",
        {
            "form": form,
            "find_form": find_form,
            "candidates": candidates,
            "search": search,
            "person": person,
            "page": page,
        },
        status=status,
    )


def _uuid(value):
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _with_person(search: SharingSearch, person_id) -> SharingSearch:
    return replace(search, person_id=person_id)


# -- CSV export ---------------------------------------------------------------------------------

CSV_HEADERS = [
    "Shared at (UK time)",
    "What was shared",
    "Shared by",
    "From agency",
    "To agency",
    "To team",
    "To (outside the agencies)",
    "Contact reference",
    "People it was about (local person IDs)",
    "Record type",
    "Record ID",
    "Summary",
    "Special category data",
    "Criminal offence data",
    "Purpose",
    "UK GDPR Article 6 basis",
    "Article 9 condition",
    "Article 10 / DPA 2018 condition or exemption",
    "Consent or override",
    "One-off or repeat",
]
#: A cell starting with one of these would be run as a formula by a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(record) -> list[str]:
    shared_by = record.shared_by
    team = record.to_team
    return [
        _cell(v)
        for v in (
            timezone.localtime(record.shared_at).strftime("%Y-%m-%d %H:%M:%S"),
            record.get_kind_display(),
            (shared_by.get_full_name() or shared_by.username) if shared_by else "System",
            record.from_agency.name,
            record.to_agency.name if record.to_agency else (team.agency.name if team else ""),
            team.name if team else "",
            record.to_description,
            record.contact.reference if record.contact else "",
            " ".join(p.local_id for p in record.subjects.all()),
            record.record_type,
            record.record_id,
            record.summary,
            "Yes" if record.special_category else "No",
            "Yes" if record.criminal_offence else "No",
            record.get_purpose_display(),
            record.get_article6_display(),
            record.get_article9_display() if record.article9 else "",
            record.get_article10_display() if record.article10 else "",
            record.consent_reference,
            "One-off" if record.one_off else "Repeat",
        )
    ]


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value):
        return value


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def sharing_export(request):
    """The current search as CSV, for the partnership's records. The export itself is written
    to the audit log (who, when, which filters, how many rows)."""
    user = request.user
    search = _session_search(request)
    records = selectors.sharing_records_search(user, search)
    count = records.count()
    audit_record(
        user,
        AuditEntry.Verb.EXPORTED,
        AuditTarget("governance.sharingrecord", "csv-export", "Record of Sharing CSV export"),
        {"filters": search.as_audit_payload(), "rows": count},
        person_id=search.person_id,
        channel=channel_from_request(request),
    )
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(CSV_HEADERS)
        for record in records.iterator(chunk_size=500):
            yield writer.writerow(csv_row(record))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="record-of-sharing-{stamp}.csv"'
    return response


# -- who has this been shared with? --------------------------------------------------------------


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def person_recipients(request, person_id):
    """Every recipient of anything shared about one person, then every disclosure in turn."""
    user = request.user
    person = selectors.sharing_person_get(user, person_id)
    paginator = Paginator(
        selectors.sharing_records_search(user, SharingSearch(person_id=person.pk)), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    access_record(user, _person_target(person), channel_from_request(request), person.pk)
    return render(
        request,
        "governance/sharing/person_recipients.html",
        {
            "person": person,
            "recipients": selectors.sharing_recipients_for_person(user, person.pk),
            "page": page,
        },
    )
