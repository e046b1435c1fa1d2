"""The DPO's pages: search the access log and audit trail; read one entry; one record's history.

Search terms are posted, kept in the session and never put in a URL (a person ID in a URL would
end up in proxy logs and browser history); pagination links carry only ``?page=N``.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability

from .display import change_rows, payload_details, target_type_label
from .forms import AuditSearchForm
from .models import AuditEntry
from .selectors import (
    AuditSearch,
    audit_changes_for_record,
    audit_entries_search,
    audit_entry_get,
)
from .services import AuditTarget, access_record, access_record_for_people, channel_from_request

SEARCH_SESSION_KEY = "openmash.audit.search"
PAGE_SIZE = 25


@capability_required(Capability.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def access_log(request):
    """Search by person, member of staff, dates and kind; POST sets the filter, GET pages it."""
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(SEARCH_SESSION_KEY, None)
            return redirect("audit:access_log")
        form = AuditSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.search().to_session()
            return redirect("audit:access_log")
        return render(request, "audit/access_log.html", {"form": form, "page": None})

    search = AuditSearch.from_session(request.session.get(SEARCH_SESSION_KEY))
    form = AuditSearchForm(initial=AuditSearchForm.initial_for(search))
    paginator = Paginator(audit_entries_search(request.user, search), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {"entry": entry, "target_type": target_type_label(entry.target_type)}
        for entry in page.object_list
    ]
    return render(
        request,
        "audit/access_log.html",
        {
            "form": form,
            "search": search,
            "page": page,
            "rows": rows,
        },
    )


@capability_required(Capability.AUDIT_VIEW)
@require_GET
def entry_detail(request, sequence: int):
    """One entry in full, with the before/after of a change. Reading an entry about a person
    is itself a view of their information, so it is logged."""
    try:
        entry = audit_entry_get(request.user, sequence)
    except AuditEntry.DoesNotExist as error:
        raise Http404 from error
    if entry.person_id:
        access_record(
            request.user,
            AuditTarget("audit.auditentry", str(entry.sequence), f"Audit entry {entry.sequence}"),
            channel_from_request(request),
            person_id=entry.person_id,
        )
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "target_type": target_type_label(entry.target_type),
            "changes": change_rows(entry),
            "details": payload_details(entry),
        },
    )


@capability_required(Capability.AUDIT_VIEW)
@require_GET
def record_history(request, target_type: str, target_id: str):
    """Every recorded change to one record, newest first, each as a before/after table."""
    paginator = Paginator(audit_changes_for_record(request.user, target_type, target_id), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    if not entries:
        raise Http404
    person_ids = {e.person_id for e in entries if e.person_id}
    if person_ids:
        access_record_for_people(
            request.user,
            AuditTarget(target_type, target_id, entries[0].target_label),
            channel_from_request(request),
            person_ids,
        )
    return render(
        request,
        "audit/record_history.html",
        {
            "target_type": target_type_label(target_type),
            "target_label": entries[0].target_label,
            "page": page,
            "items": [{"entry": e, "changes": change_rows(e)} for e in entries],
        },
    )
