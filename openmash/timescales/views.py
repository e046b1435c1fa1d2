"""Closure days, for administrators (capability ``staff.manage``). Thin: form -> service ->
redirect; selector -> template."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C

from . import selectors, services
from .forms import ClosureDayForm
from .models import ClosureDay
from .services import ClosureDayRuleBroken

staff_manager_required = capability_required(C.STAFF_MANAGE)


def _open_work_sentence(due) -> str:
    if not due.total:
        return "No open work has its deadline on that day."
    parts = []
    if due.contacts:
        n = due.contacts
        parts.append(f"{n} contact{'s' if n != 1 else ''} awaiting a decision")
    if due.information_requests:
        n = due.information_requests
        parts.append(f"{n} information request{'s' if n != 1 else ''} awaiting a response")
    verb = "has" if due.total == 1 else "have"
    return (
        f"{' and '.join(parts)} {verb} a deadline on that day. Deadlines already set do not "
        "move: tell the practice managers so the work can be planned."
    )


@staff_manager_required
@require_GET
def closure_day_list(request):
    upcoming = selectors.closure_days_upcoming()
    due = selectors.open_work_due_on(d.date for d in upcoming)
    return render(
        request,
        "timescales/closure_day_list.html",
        {
            "upcoming": [(day, due[day.date]) for day in upcoming],
            "past": selectors.closure_days_past(),
            "bank_holidays": selectors.bank_holidays_ahead(),
        },
    )


@staff_manager_required
@require_http_methods(["GET", "POST"])
def closure_day_add(request):
    form = ClosureDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure_day = services.closure_day_add(
                actor=request.user,
                day=form.cleaned_data["day"],
                reason=form.cleaned_data["reason"],
            )
        except ClosureDayRuleBroken as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            due = selectors.open_work_due_on([closure_day.date])[closure_day.date]
            messages.success(
                request,
                f"The MASH is now closed on {closure_day.date:%A} {closure_day.date.day} "
                f"{closure_day.date:%B %Y}. {_open_work_sentence(due)}",
            )
            return redirect("timescales:closure_day_list")
    return render(request, "timescales/closure_day_form.html", {"form": form})


@staff_manager_required
@require_http_methods(["GET", "POST"])
def closure_day_remove(request, pk):
    try:
        closure_day = selectors.closure_day_get(pk)
    except ClosureDay.DoesNotExist as exc:
        raise Http404("No such closure day") from exc
    error = ""
    if request.method == "POST":
        try:
            services.closure_day_remove(actor=request.user, closure_day=closure_day)
        except ClosureDayRuleBroken as broken:
            error = broken.message
        else:
            messages.success(
                request,
                f"The MASH is open again on {closure_day.date:%A} {closure_day.date.day} "
                f"{closure_day.date:%B %Y}.",
            )
            return redirect("timescales:closure_day_list")
    due = selectors.open_work_due_on([closure_day.date])[closure_day.date]
    return render(
        request,
        "timescales/closure_day_remove.html",
        {"closure_day": closure_day, "due": due, "error": error},
        status=400 if error else 200,
    )
