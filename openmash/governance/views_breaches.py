"""The data protection officer's breach register: the list with each breach's 72-hour clock,
recording a breach, and a breach's page where the decisions, actions and closure are recorded.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import channel_from_request
from openmash.core.errors import DomainError
from openmash.core.queues import Column, Filter, QueueSpec, Sort, queue_page

from . import selectors, services_breaches
from .forms_breaches import (
    BreachActionForm,
    BreachCloseForm,
    BreachDetailsForm,
    BreachForm,
    IcoDecisionForm,
    IndividualsDecisionForm,
)
from .models import BreachStatus


def _clock_filter() -> Filter:
    def apply(qs, value, now):
        awaiting = qs.filter(ico_report__isnull=True, status=BreachStatus.OPEN)
        if value == "overdue":
            return awaiting.filter(ico_due_at__lt=now)
        if value == "running":
            return awaiting.filter(ico_due_at__gte=now)
        return qs.filter(ico_report__isnull=False)

    return Filter(
        key="clock",
        label="ICO decision",
        choices=(
            ("running", "Awaiting, within 72 hours"),
            ("overdue", "Awaiting, past 72 hours"),
            ("decided", "Decided"),
        ),
        apply=apply,
    )


BREACH_QUEUE_SPEC = QueueSpec(
    sorts=(
        Sort("due", "ICO decision due", ("ico_due_at",)),
        Sort("discovered", "Discovered", ("-discovered_at",)),
    ),
    columns=(
        Column("Reference"),
        Column("Discovered", sort_key="discovered"),
        Column("ICO decision", sort_key="due"),
        Column("Lead agency"),
        Column("Status"),
    ),
    filters=(
        Filter(
            key="status",
            label="Status",
            choices=tuple(BreachStatus.choices),
            apply=lambda qs, value, now: qs.filter(status=value),
        ),
        _clock_filter(),
    ),
    default_sort="due",
    due_field=None,
    rag_field=None,
    risk_field=None,
    empty_message="No breaches have been recorded.",
)


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", "") or None
    form.add_error(field if field in form.fields else None, str(error))


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def breach_list(request):
    queue = queue_page(request, selectors.breach_queue(request.user), BREACH_QUEUE_SPEC)
    return render(request, "governance/breaches/list.html", {"queue": queue})


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_new(request):
    form = BreachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("discovered_at"):
        data = form.cleaned_data
        try:
            breach = services_breaches.breach_record(
                actor=request.user,
                discovered_at=data["discovered_at"],
                description=data["description"],
                agencies=list(data["agencies"]),
                lead_agency=data["lead_agency"],
                data_categories=data["data_categories"],
                people_affected=data["people_affected"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, f"Breach {breach.reference} recorded.")
            return redirect("governance:breach_detail", pk=breach.pk)
    return render(
        request,
        "governance/breaches/new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


_FORMS = {
    "ico": IcoDecisionForm,
    "individuals": IndividualsDecisionForm,
    "action": BreachActionForm,
    "close": BreachCloseForm,
}


def _apply(action: str, breach, user, data):
    if action == "ico":
        return services_breaches.breach_ico_decide(
            breach,
            actor=user,
            report=data["report"] == "yes",
            reason=data["ico_reason"],
            delay_reason=data["ico_delay_reason"],
            reported_at=data["reported_at"],
            ico_reference=data["ico_reference"],
            expected_version=data["version"],
        ), "Decision on reporting to the ICO recorded."
    if action == "individuals":
        return services_breaches.breach_individuals_decide(
            breach,
            actor=user,
            inform=data["inform"] == "yes",
            reason=data["individuals_reason"],
            expected_version=data["version"],
        ), "Decision on telling the people affected recorded."
    if action == "action":
        return services_breaches.breach_action_add(breach, actor=user, what=data["what"]), (
            "Action added."
        )
    return services_breaches.breach_close(
        breach, actor=user, note=data["note"], expected_version=data["version"]
    ), "Breach closed."


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_detail(request, pk):
    breach = selectors.breach_get_for_user(request.user, pk, channel=channel_from_request(request))
    forms = {
        name: form_class(initial={"version": breach.version}) for name, form_class in _FORMS.items()
    }
    posted = None
    if request.method == "POST":
        posted = request.POST.get("action")
        if posted not in _FORMS:
            raise Http404("Unknown action.")
        form = _FORMS[posted](request.POST, prefix=posted)
        forms[posted] = form
        if form.is_valid():
            try:
                _result, message = _apply(posted, breach, request.user, form.cleaned_data)
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, message)
                return redirect("governance:breach_detail", pk=pk)
    return render(
        request,
        "governance/breaches/detail.html",
        {"breach": breach, "forms": forms, "posted": posted},
        status=400 if posted and forms[posted].errors else 200,
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def breach_edit(request, pk):
    breach = selectors.breach_get_for_user(request.user, pk)
    if request.method == "POST":
        form = BreachDetailsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services_breaches.breach_update(
                    breach,
                    actor=request.user,
                    description=data["description"],
                    agencies=list(data["agencies"]),
                    lead_agency=data["lead_agency"],
                    data_categories=data["data_categories"],
                    people_affected=data["people_affected"],
                    expected_version=data["version"],
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, "Details saved.")
                return redirect("governance:breach_detail", pk=pk)
    else:
        form = BreachDetailsForm(
            initial={
                "description": breach.description,
                "agencies": list(breach.agencies.all()),
                "lead_agency": breach.lead_agency,
                "data_categories": breach.data_categories.split(),
                "people_affected": breach.people_affected,
                "version": breach.version,
            }
        )
    return render(
        request,
        "governance/breaches/edit.html",
        {"breach": breach, "form": form},
        status=400 if form.errors else 200,
    )
