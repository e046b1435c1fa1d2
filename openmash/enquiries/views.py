"""Pages for partner agencies (their own requests) and for children's social care (enquiries
and every response). Thin: selector → template; form → service → redirect."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.accounts.scopes import is_csc_staff
from openmash.audit.services import channel_from_request
from openmash.contacts.codes import Rag
from openmash.core.errors import DomainError

from . import selectors, services
from .forms import EnquiryProceedForm, InformationRequestResponseForm
from .models import EnquiryStatus, RequestStatus
from .queues import QueueOptions, paginate


@capability_required(C.ENQUIRY_RESPOND, C.CONTACT_VIEW)
def index(request):
    """/enquiries/: partners go to their agency's requests, MASH staff to open enquiries."""
    if request.user.can(C.ENQUIRY_RESPOND) and not is_csc_staff(request.user):
        return redirect("enquiries:request_queue")
    return redirect("enquiries:open_queue")


def _queue_context(request, queryset, options: QueueOptions, **extra) -> dict:
    return {
        "options": options,
        "rag_choices": Rag.choices,
        **paginate(queryset, request.GET.get("page"), options),
        **extra,
    }


@capability_required(C.ENQUIRY_RESPOND)
def request_queue(request):
    """ "Requests to my agency": outstanding first, by due time."""
    options = QueueOptions.from_query(request.GET, statuses=selectors.REQUEST_STATUSES)
    queryset = selectors.agency_request_queue(request.user, options)
    context = _queue_context(request, queryset, options, status_choices=RequestStatus.choices)
    return render(request, "enquiries/request_queue.html", context)


def _render_request_page(request, pk, form=None, status=200):
    shown = selectors.information_request_for_partner(
        request.user, pk, channel=channel_from_request(request)
    )
    info_request = shown.request
    if form is None and info_request.status == RequestStatus.REQUESTED:
        form = InformationRequestResponseForm(initial={"version": info_request.version})
    context = {"shown": shown, "info_request": info_request, "form": form}
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


def _enquiry_queue(request, status, template, title):
    _csc_only(request.user)
    options = QueueOptions.from_query(request.GET)
    queryset = selectors.enquiry_queue(request.user, status, options)
    context = _queue_context(request, queryset, options, queue_title=title, status=status)
    return render(request, template, context)


@capability_required(C.CONTACT_VIEW)
def open_queue(request):
    """ "Open enquiries": waiting for agencies' responses, by when responses are due."""
    return _enquiry_queue(
        request, EnquiryStatus.OPEN, "enquiries/enquiry_queue.html", "Open enquiries"
    )


@capability_required(C.CONTACT_VIEW)
def ready_queue(request):
    """ "Awaiting analysis": every response in (or the practice manager went ahead)."""
    return _enquiry_queue(
        request, EnquiryStatus.READY, "enquiries/enquiry_queue.html", "Awaiting analysis"
    )


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
        "now": timezone.now(),
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
