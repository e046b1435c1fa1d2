"""The timeliness dashboard for managers (capability ``timeliness.view``)."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.core.queues import DUE_SOON

from . import selectors
from .charts import Point, bar_chart, column_chart

#: The work queue behind each stage, linked from the table when that queue exists.
STAGE_QUEUES = {
    "to_record": "contacts:to_record",
    "to_screen": "contacts:to_screen",
    "in_enquiry": "enquiries:open_queue",
    "awaiting_analysis": "enquiries:ready_queue",
    "awaiting_decision": "decisions:awaiting",
}


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _caption(share, nothing: str) -> str:
    if not share.total:
        return nothing
    return f"{share.percent}% ({share.in_time} of {share.total})"


@capability_required(C.TIMELINESS_VIEW)
@require_GET
def timeliness(request):
    now = timezone.now()
    user = request.user
    stages = selectors.due_by_stage(user, now)
    agencies = selectors.due_by_agency(user, now)
    decisions = selectors.decisions_within_a_working_day(user, now)
    red = selectors.red_requests_within_four_hours(user, now)

    decisions_chart = column_chart(
        [
            Point(
                label=f"{w.week.day}",
                sublabel=f"{w.week:%b}",
                percent=w.share.percent,
                caption=_caption(w.share, "No contacts"),
            )
            for w in decisions
        ],
        title="Contacts decided within 1 working day, by week received",
        description="Percentage for each of the last 12 weeks, week beginning Monday. "
        "The table beside the chart gives the same figures.",
    )
    red_chart = bar_chart(
        [
            Point(label=a.agency, percent=a.share.percent, caption=_caption(a.share, "None"))
            for a in red
        ],
        title="Red information requests answered within 4 working hours, by agency",
        description="Percentage for each agency over the last 12 weeks. "
        "The table beside the chart gives the same figures.",
    )
    context = {
        "now": now,
        "due_soon_hours": int(DUE_SOON.total_seconds() // 3600),
        "stages": [(row, _url(STAGE_QUEUES[row.key])) for row in stages],
        "stage_total": sum(row.counts.outstanding for row in stages),
        "agencies": agencies,
        "decisions": decisions,
        "decisions_total": sum((w.share for w in decisions), selectors.Share()),
        "decisions_chart": decisions_chart,
        "red": red,
        "red_total": sum((a.share for a in red), selectors.Share()),
        "red_chart": red_chart,
        "weeks": selectors.week_starts(now),
    }
    return render(request, "reporting/timeliness.html", context)
