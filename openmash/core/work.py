"""The home page's "your work" summary: how much waits in each queue the user can act on, and
how much of it is overdue.

Apps register a ``WorkQueue`` from their selectors module (so the rules about who sees what
stay with the data). Each summary is one aggregate query on indexed columns, whatever the size
of the queue.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True)
class WorkQueue:
    label: str
    url_name: str
    #: Who sees it on their home page (the queue page itself checks again).
    applies_to: Callable[[object], bool]
    #: The user's scoped rows in the queue (no ordering or annotations needed).
    rows: Callable[[object], QuerySet]
    #: The stored deadline field, or "" when the queue has no deadline.
    due_field: str = ""
    hint: str = ""


WORK_QUEUES: list[WorkQueue] = []


def register(queue: WorkQueue) -> None:
    if all(q.url_name != queue.url_name for q in WORK_QUEUES):
        WORK_QUEUES.append(queue)


@dataclass(frozen=True)
class WorkSummary:
    label: str
    url: str
    total: int
    overdue: int
    hint: str


def work_summary_for(user, now=None) -> list[WorkSummary]:
    now = now or timezone.now()
    summaries = []
    for queue in WORK_QUEUES:
        if not queue.applies_to(user):
            continue
        aggregates = {"total": Count("pk")}
        if queue.due_field:
            aggregates["overdue"] = Count("pk", filter=Q(**{f"{queue.due_field}__lt": now}))
        counts = queue.rows(user).order_by().aggregate(**aggregates)
        summaries.append(
            WorkSummary(
                label=queue.label,
                url=reverse(queue.url_name),
                total=counts["total"],
                overdue=counts.get("overdue") or 0,
                hint=queue.hint,
            )
        )
    return summaries
