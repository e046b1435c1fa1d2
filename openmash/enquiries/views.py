"""Pages for partner agencies (their own requests) and for children's social care (enquiries
and every response). Thin: selector → template; form → service → redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.accounts.scopes import is_csc_staff
from openmash.audit.services import channel_from_request
from openmash.contacts.queue_cells import children_html
from openmash.contacts.selectors import subject_children_attach
from openmash.core.errors import DomainError
from openmash.core.formats import day_month_time, html_format, record_url, when_short
from openmash.core.queues import (
    Column,
    Filter,
    QueueSpec,
    Sort,
    immediate_risk_filter,
    overdue_filter,
    queue_page,
    rag_filter,
    rag_order,
)

from . import selectors, services
from .forms import EnquiryProceedForm, InformationRequestResponseForm
from .models import EnquiryStatus, RequestStatus
from .response_cards import response_cards, response_summary


@capability_required(C.ENQUIRY_RESPOND, C.CONTACT_VIEW)
def index(request):
    """/enquiries/: partners go to their agency's requests, MASH staff to open enquiries."""
    if request.user.can(C.ENQUIRY_RESPOND) and not is_csc_staff(request.user):
        return redirect("enquiries:request_queue")
    return redirect("enquiries:open_queue")


def _status_filter() -> Filter:
    return Filter(
        key="status",
        label="Status",
        choices=((RequestStatus.REQUESTED, "To answer"), (RequestStatus.RESPONDED, "Responded")),
        apply=lambda qs, value, now: qs.filter(status=value),
    )


_request_url = record_url("enquiries:request_detail")
_enquiry_url = record_url("enquiries:enquiry_detail")


#: One information request in "Requests to my agency" (``QueueSpec.row_html``).
_REQUEST_ROW = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{href}">{reference}'
    '<span class="govuk-visually-hidden">: {action}</span></a></td>'
    '<td class="govuk-table__cell">{answered_at_risk}{tags}</td>'
    '<td class="govuk-table__cell">{requested}</td>'
    '<td class="govuk-table__cell">{due}</td>'
    '<td class="govuk-table__cell">{status}</td>'
)
_ANSWERED_AT_RISK = SafeString('<strong class="govuk-tag govuk-tag--red">Immediate risk</strong> ')


def _request_cells(info_request) -> dict:
    """The values of ``_REQUEST_ROW``: the annotated contact reference and markers only (no
    contact object is loaded for partners)."""
    responded = info_request.status == RequestStatus.RESPONDED
    return {
        "href": _request_url(info_request.pk),
        "reference": info_request.contact_reference,
        "action": "read the response" if responded else "answer the request",
        # The markers' immediate risk (``urgent``) is for outstanding requests only; an
        # answered request still says the child was at immediate risk.
        "answered_at_risk": _ANSWERED_AT_RISK if responded and info_request.immediate_risk else "",
        "requested": when_short(info_request.requested_at),
        "due": when_short(info_request.due_at),
        "status": (
            f"Responded {day_month_time(info_request.responded_at)}" if responded else "To answer"
        ),
    }


def _children_read(enquiries, user) -> None:
    """The page's subject children and response counts (``QueueSpec.page_reads``)."""
    subject_children_attach(
        user, [e.contact for e in enquiries], order_by=("surname", "forename", "pk")
    )
    selectors.enquiry_request_counts_attach(user, enquiries)


#: One MASH enquiry in "Open enquiries" or "Awaiting analysis" (``QueueSpec.row_html``).
_ENQUIRY_ROW = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{href}">{reference}'
    '<span class="govuk-visually-hidden">: read the responses</span></a></td>'
    '<td class="govuk-table__cell">{children}</td>'
    '<td class="govuk-table__cell">{tags}</td>'
    '<td class="govuk-table__cell">{received}</td>'
    '<td class="govuk-table__cell">{due}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{responses}{overdue}</td>'
)
_OVERDUE_REQUESTS = '<br><span class="govuk-body-s">{count} overdue</span>'


def _enquiry_cells(enquiry) -> dict:
    """The values of ``_ENQUIRY_ROW`` for one MASH enquiry."""
    return {
        "href": _enquiry_url(enquiry.pk),
        "reference": enquiry.contact.reference,
        "children": children_html(enquiry.contact.children),
        "received": when_short(enquiry.contact.received_at),
        "due": when_short(enquiry.due_at),
        "responses": f"{enquiry.responses_in} of {enquiry.requests_total}",
        "overdue": html_format(_OVERDUE_REQUESTS, count=enquiry.overdue_requests)
        if enquiry.overdue_requests
        else "",
    }


#: Outstanding requests first whatever the sort (``parts``), ``urgent`` (outstanding and
#: immediate risk) pinned at the top of them by the shared helper. As parts, the first pages
#: read only the outstanding requests; sorted as one list, every answer of the last 30 days
#: was read and sorted too (2,500 police requests at bench size, ~5 ms).
REQUEST_QUEUE_SPEC = QueueSpec(
    sorts=(
        Sort("due", "Due", ("due_at",)),
        Sort("received", "Requested", ("requested_at",)),
        Sort("rag", "RAG rating", (rag_order(), "due_at")),
    ),
    parts=(Q(status=RequestStatus.REQUESTED), selectors.answered_since),
    columns=(
        Column("Contact"),
        Column("Flags", "rag"),
        Column("Requested", "received"),
        Column("Due", "due"),
        Column("Status"),
    ),
    filters=(
        _status_filter(),
        rag_filter("enquiry__contact__rag"),
        immediate_risk_filter("immediate_risk"),
        overdue_filter("outstanding_due_at"),
    ),
    due_field="outstanding_due_at",
    risk_field="urgent",
    cells=_request_cells,
    row_html=_REQUEST_ROW,
    empty_message="There are no information requests to your agency.",
)

ENQUIRY_SORTS = (
    Sort("due", "Due", ("due_at",)),
    Sort("received", "Received", ("contact__received_at",)),
    Sort("rag", "RAG rating", (rag_order("contact__rag"), "due_at")),
)
ENQUIRY_COLUMNS = (
    Column("Contact"),
    Column("Children"),
    Column("Flags", "rag"),
    Column("Received", "received"),
    Column("Due", "due"),
    Column("Responses", numeric=True),
)
ENQUIRY_FILTERS = (
    rag_filter("contact__rag"),
    immediate_risk_filter("immediate_risk"),
    overdue_filter("due_at"),
)
ENQUIRY_QUEUES = {
    EnquiryStatus.OPEN: {
        "title": "Open enquiries",
        "intro": "MASH enquiries waiting for partner agencies' responses. Immediate risk "
        "first, then by when the responses are due.",
        "spec": QueueSpec(
            sorts=ENQUIRY_SORTS,
            columns=ENQUIRY_COLUMNS,
            filters=ENQUIRY_FILTERS,
            due_field="due_at",
            cells=_enquiry_cells,
            row_html=_ENQUIRY_ROW,
            page_reads=_children_read,
            empty_message="There are no MASH enquiries waiting for responses.",
        ),
    },
    EnquiryStatus.READY: {
        "title": "Awaiting analysis",
        "intro": "Enquiries with every response in (or where the practice manager went ahead) "
        "waiting for a MASH social worker's analysis, by when the contact must be decided.",
        "spec": QueueSpec(
            sorts=ENQUIRY_SORTS,
            columns=ENQUIRY_COLUMNS,
            filters=ENQUIRY_FILTERS,
            due_field="due_at",
            cells=_enquiry_cells,
            row_html=_ENQUIRY_ROW,
            page_reads=_children_read,
            empty_message="There are no enquiries waiting for analysis.",
        ),
    },
}


@capability_required(C.ENQUIRY_RESPOND)
@require_GET
def request_queue(request):
    """ "Requests to my agency": outstanding first, by due time."""
    queryset = selectors.agency_request_queue_rows(request.user)
    queue = queue_page(request, queryset, REQUEST_QUEUE_SPEC)
    return render(request, "enquiries/request_queue.html", {"queue": queue})


def _render_request_page(request, pk, form=None, status=200):
    shown = selectors.information_request_for_partner(
        request.user, pk, channel=channel_from_request(request)
    )
    info_request = shown.request
    if form is None and info_request.status == RequestStatus.REQUESTED:
        form = InformationRequestResponseForm(initial={"version": info_request.version})
    context = {
        "shown": shown,
        "info_request": info_request,
        "form": form,
        "response": response_summary(info_request)
        if info_request.status == RequestStatus.RESPONDED
        else None,
    }
    return render(request, "enquiries/request_detail.html", context, status=status)


@capability_required(C.ENQUIRY_RESPOND)
@require_http_methods(["GET", "POST"])
def request_detail(request, pk):
    """The request page: the question, the minimum identifying details, the response form —
    then the agency's own response and, once decided, the outcome."""
    if request.method == "GET":
        return _render_request_page(request, pk)
    info_request = selectors.information_request_to_answer(request.user, pk)
    form = InformationRequestResponseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.information_request_respond(
                info_request,
                actor=request.user,
                expected_version=data["version"],
                outcome=data["outcome"],
                summary=data["summary"],
                risk_factors=data["risk_factors"],
                protective_factors=data["protective_factors"],
                systems_searched=data["systems_searched"],
                proportionality_note=data["proportionality_note"],
            )
        except services.ResponseIncomplete as exc:
            form.add_error(exc.field, str(exc))
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your response has been sent to the MASH.")
            return redirect("enquiries:request_detail", pk=info_request.pk)
    # Re-show the page with what was typed; a conflict shows the response already recorded.
    return _render_request_page(request, pk, form=form, status=200)


def _csc_only(user):
    if not is_csc_staff(user):
        raise PermissionDenied("Only children's social care MASH staff can see enquiries.")


def _enquiry_queue(request, status):
    _csc_only(request.user)
    config = ENQUIRY_QUEUES[status]
    queryset = selectors.enquiry_queue(request.user, status)
    total = selectors.enquiry_queue_count(request.user, status)
    context = {
        "queue": queue_page(request, queryset, config["spec"], total=total),
        "title": config["title"],
        "intro": config["intro"],
        "status": status,
    }
    return render(request, "enquiries/enquiry_queue.html", context)


@capability_required(C.CONTACT_VIEW)
@require_GET
def open_queue(request):
    """ "Open enquiries": waiting for agencies' responses, by when responses are due."""
    return _enquiry_queue(request, EnquiryStatus.OPEN)


@capability_required(C.CONTACT_VIEW)
@require_GET
def ready_queue(request):
    """ "Awaiting analysis": every response in (or the practice manager went ahead)."""
    return _enquiry_queue(request, EnquiryStatus.READY)


def _render_enquiry_page(request, pk, proceed_form=None, status=200):
    enquiry = selectors.enquiry_get_for_user(
        request.user, pk, channel=channel_from_request(request)
    )
    may_proceed = enquiry.status == EnquiryStatus.OPEN and request.user.can(C.CONTACT_DECIDE)
    if may_proceed and proceed_form is None:
        proceed_form = EnquiryProceedForm(initial={"version": enquiry.version})
    context = {
        "enquiry": enquiry,
        "contact": enquiry.contact,
        "proceed_form": proceed_form if may_proceed else None,
        "can_analyse": enquiry.status == EnquiryStatus.READY
        and request.user.can(C.ENQUIRY_ANALYSE),
        "cards": response_cards(enquiry.visible_requests, timezone.now()),
    }
    return render(request, "enquiries/enquiry_detail.html", context, status=status)


@capability_required(C.CONTACT_VIEW)
def enquiry_detail(request, pk):
    """The enquiry with every agency's request and response (children's social care)."""
    _csc_only(request.user)
    return _render_enquiry_page(request, pk)


@capability_required(C.CONTACT_DECIDE)
@require_POST
def enquiry_proceed(request, pk):
    """A practice manager goes ahead to analysis without the outstanding responses."""
    _csc_only(request.user)
    enquiry = selectors.enquiry_to_manage(request.user, pk)
    form = EnquiryProceedForm(request.POST)
    if form.is_valid():
        try:
            services.enquiry_mark_ready(
                enquiry,
                request.user,
                form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.ResponseIncomplete as exc:
            form.add_error(exc.field, str(exc))
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The enquiry is now awaiting analysis.")
            return redirect("enquiries:enquiry_detail", pk=enquiry.pk)
    return _render_enquiry_page(request, pk, proceed_form=form)
