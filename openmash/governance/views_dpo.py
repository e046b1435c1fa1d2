"""The data protection officer's dashboard: overrides this month, break-glass access to
review, and what the MASH shared, by agency and lawful basis."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C

from . import dashboard_registers, selectors, services_restricted


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def dashboard(request):
    board = selectors.dpo_dashboard(request.user, period=request.GET.get("period", "month"))
    return render(
        request,
        "governance/dashboard/dashboard.html",
        {
            "board": board,
            "periods": selectors.DASHBOARD_PERIODS,
            "registers": dashboard_registers.register_summaries(request.user),
        },
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_POST
def break_glass_review(request, pk):
    """Mark a break-glass access as reviewed by the DPO."""
    access = selectors.break_glass_get_for_user(request.user, pk)
    services_restricted.break_glass_review(
        access, actor=request.user, note=request.POST.get("note", "")
    )
    messages.success(request, "Break-glass access marked as reviewed.")
    return redirect("governance:dashboard")
