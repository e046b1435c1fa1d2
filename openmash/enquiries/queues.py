"""Sorting, filtering and paging for the enquiries work queues.

The shared queue helper (``openmash/core/queues.py``, owned by the contacts app) did not exist
when these queues were written; this module has the same job for the three enquiries queues and
can be replaced by it. The options come from the query string: they hold only codes (sort key,
RAG, flags, page number), never personal data.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Value, When

from openmash.contacts.codes import Rag

PAGE_SIZE = 25

SORTS = {
    "due": "Due",
    "received": "Received",
    "rag": "RAG rating",
}


@dataclass(frozen=True)
class QueueOptions:
    sort: str = "due"
    rag: str = ""
    status: str = ""
    overdue: bool = False
    immediate_risk: bool = False

    @classmethod
    def from_query(cls, params, *, statuses=()) -> "QueueOptions":
        """Options from ``request.GET``; unknown values are ignored rather than failing."""
        sort = params.get("sort", "due")
        rag = params.get("rag", "")
        status = params.get("status", "")
        return cls(
            sort=sort if sort in SORTS else "due",
            rag=rag if rag in Rag.values else "",
            status=status if status in statuses else "",
            overdue=params.get("overdue") == "1",
            immediate_risk=params.get("immediate_risk") == "1",
        )

    @property
    def filtered(self) -> bool:
        return bool(self.rag or self.status or self.overdue or self.immediate_risk)

    def query(self, **changes) -> str:
        """Query string for these options with ``changes`` applied (for sort and page links)."""
        page = changes.pop("page", None)
        options = replace(self, **changes)
        params = {"sort": options.sort}
        for name in ("rag", "status"):
            if getattr(options, name):
                params[name] = getattr(options, name)
        for name in ("overdue", "immediate_risk"):
            if getattr(options, name):
                params[name] = "1"
        if page and page != 1:
            params["page"] = page
        return "?" + urlencode(params)

    def sort_links(self) -> list[dict]:
        return [
            {"key": key, "label": label, "url": self.query(sort=key), "current": key == self.sort}
            for key, label in SORTS.items()
        ]


def rag_rank(field: str) -> Case:
    """Red first, then Amber, Green, unrated."""
    return Case(
        When(**{field: Rag.RED}, then=Value(0)),
        When(**{field: Rag.AMBER}, then=Value(1)),
        When(**{field: Rag.GREEN}, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def paginate(queryset, page_number, options: QueueOptions) -> dict:
    """One page of ``queryset`` and the GOV.UK pagination items for it."""
    paginator = Paginator(queryset, PAGE_SIZE)
    page: Page = paginator.get_page(page_number)
    items = []
    if paginator.num_pages > 1:
        shown = {1, paginator.num_pages, page.number - 1, page.number, page.number + 1}
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= paginator.num_pages):
            if number - previous > 1:
                items.append({"ellipsis": True})
            items.append(
                {
                    "number": number,
                    "url": options.query(page=number),
                    "current": number == page.number,
                }
            )
            previous = number
    return {
        "page": page,
        "pagination": items,
        "previous_url": options.query(page=page.number - 1) if page.has_previous() else "",
        "next_url": options.query(page=page.number + 1) if page.has_next() else "",
    }
