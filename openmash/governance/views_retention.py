"""The data protection officer's retention pages: schedules, the dry-run report, running the
disposal, the disposal log and the pseudonymised statistical extract.

The report and the log show counts only — never which records or whose.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.core.errors import DomainError

from . import selectors, services_retention
from .forms_retention import RetentionScheduleForm, StatisticalExtractForm

LOG_PAGE_SIZE = 25


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", "") or None
    form.add_error(field if field in form.fields else None, str(error))


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def retention_overview(request):
    """Schedules with the dry run beside them: what the next disposal would do, by count."""
    report = selectors.retention_dry_run_for_user(request.user)
    return render(
        request,
        "governance/retention/overview.html",
        {
            "schedules": selectors.retention_schedules_for_user(request.user),
            "report": report,
            "recent": selectors.disposal_log_for_user(request.user)[:5],
        },
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def retention_schedule_edit(request, pk=None):
    schedule = selectors.retention_schedule_get_for_user(request.user, pk) if pk else None
    if request.method == "POST":
        form = RetentionScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services_retention.retention_schedule_save(
                    schedule,
                    actor=request.user,
                    record_type=data["record_type"],
                    trigger=data["trigger"],
                    years=data["years"],
                    months=data["months"],
                    action=data["action"],
                    authority=data["authority"],
                    notes=data["notes"],
                    active=data["active"],
                    expected_version=data["version"],
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, f"Schedule saved: {saved}.")
                return redirect("governance:retention_overview")
    elif schedule is not None:
        form = RetentionScheduleForm(
            initial={
                "record_type": schedule.record_type,
                "trigger": schedule.trigger,
                "years": schedule.years,
                "months": schedule.months,
                "action": schedule.action,
                "authority": schedule.authority,
                "notes": schedule.notes,
                "active": schedule.active,
                "version": schedule.version,
            }
        )
    else:
        form = RetentionScheduleForm()
    return render(
        request,
        "governance/retention/schedule_form.html",
        {"form": form, "schedule": schedule},
        status=400 if form.errors else 200,
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def retention_run(request):
    """Confirm, then dispose of everything due now (the monthly job does the same)."""
    if request.method == "POST":
        report = services_retention.retention_disposal_run(actor=request.user)
        failed = [r for r in report.results if r.error]
        messages.success(
            request,
            f"Disposal finished: {report.total_disposed} record"
            f"{'s' if report.total_disposed != 1 else ''} disposed of."
            + (f" {len(failed)} schedule(s) could not run: see the report." if failed else ""),
        )
        return redirect("governance:retention_log")
    report = selectors.retention_dry_run_for_user(request.user)
    return render(request, "governance/retention/run.html", {"report": report})


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def retention_log(request):
    paginator = Paginator(selectors.disposal_log_for_user(request.user), LOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "governance/retention/log.html", {"page": page})


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def retention_extract(request):
    """The pseudonymised statistical extract, as a CSV download (recorded as a disclosure)."""
    form = StatisticalExtractForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            text, _count = services_retention.statistical_extract(
                actor=request.user,
                date_from=data["date_from"],
                date_to=data["date_to"],
                recipient=data["recipient"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            response = HttpResponse(text, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="openmash-statistics-{data["date_from"]:%Y%m%d}-'
                f'{data["date_to"]:%Y%m%d}.csv"'
            )
            return response
    return render(
        request,
        "governance/retention/extract.html",
        {"form": form, "columns": services_retention.EXTRACT_COLUMNS},
        status=400 if form.errors else 200,
    )
