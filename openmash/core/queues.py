"""Work queues: the one way list pages sort, filter, mark and paginate case records.

A queue is a scoped queryset (from an app's selector) plus a ``QueueSpec`` that says which
``?sort=`` and filter values are allowed. Anything outside the whitelist is ignored, so a crafted
query string can never order or filter by an arbitrary field. Every sort puts immediate risk
first (the issue: "an immediate-risk flag that puts the contact at the top of every queue"), then
the chosen key, then the primary key so pages are stable.

"Overdue" and "due soon" are derived here from the stored due time and the clock, never stored.

Usage (see ``openmash/contacts/views.py``)::

    queue = queue_page(request, contact_queue(user, status), CONTACT_QUEUE_SPEC)
    render(request, "...", {"queue": queue})  # includes/queue_table.html renders it
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from openmash.core.formats import html_fill, html_format

PAGE_SIZE = 25
#: A row is "due soon" when its due time is this close (and not yet passed).
DUE_SOON = timedelta(hours=2)


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    order_by: tuple[str | models.OrderBy | models.F, ...]


@dataclass(frozen=True)
class Filter:
    """A whitelisted filter: ``?<key>=<value>`` with ``value`` one of ``choices``."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...]
    apply: Callable[[models.QuerySet, str, datetime], models.QuerySet]


@dataclass(frozen=True)
class Column:
    label: str
    sort_key: str | None = None
    numeric: bool = False


@dataclass(frozen=True)
class QueueSpec:
    """What a queue may be sorted and filtered by, and which fields carry its markers."""

    sorts: tuple[Sort, ...]
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    default_sort: str = "due"
    due_field: str | None = "decision_due_at"
    rag_field: str | None = "rag"
    risk_field: str | None = "immediate_risk"
    page_size: int = PAGE_SIZE
    empty_message: str = "There is nothing in this queue."
    #: ``record -> {name: display value}`` for the row template: text already formatted
    #: (``openmash.core.formats``) and links already built, so the template only prints
    #: strings. Rendering ``|date`` and ``{% url %}`` per row was most of a queue page's time.
    cells: Callable[[object], dict] | None = None
    #: Visually hidden text of an empty flags cell ("" when the row adds tags of its own).
    no_tags: str = "None"
    #: Disjoint parts of the queue, shown one after the other whatever the sort (e.g. requests
    #: still to answer before answered ones): each part is sorted, counted and paged on its
    #: own, so a page inside the first part never reads or sorts the rows of the others. A part
    #: may be a function of the page's ``now`` giving the ``Q`` (e.g. "answered in the last
    #: 30 days"): then the queryset need not carry that condition as an ``OR`` of its own.
    parts: tuple[models.Q | Callable[[datetime], models.Q], ...] = ()
    #: ``(records, user) -> None``: reads for the page's records at once (e.g. the subject
    #: children of its contacts), run before their cells are built. One query a page, like a
    #: prefetch, without a model object per related row (Django's prefetch of 25 contacts'
    #: children cost more than the query it ran).
    page_reads: Callable[[list, object], None] | None = None
    #: The row's cells as an HTML pattern (``{name}`` for each value of ``cells``, and ``tags``),
    #: filled with ``core.formats.html_fill``: the page prints its rows whole
    #: (``QueuePage.rows_html``) instead of including a row template per row, which cost ten
    #: times as much (ADR 0011). Conditional parts come from ``cells`` as HTML fragments.
    row_html: str | None = None

    def sort(self, key: str) -> Sort:
        by_key = {s.key: s for s in self.sorts}
        return by_key.get(key) or by_key[self.default_sort]


@dataclass(frozen=True)
class Marker:
    label: str
    css: str


class QueueRow(dict):
    """One record on the page: ``obj`` (the record), ``markers`` (RAG, immediate risk,
    overdue …), ``tags`` (the markers as GOV.UK tags, HTML), ``overdue``, ``due_soon``, and the
    spec's ``cells``. A dict, because the template engine looks a name up in a dict first and
    only then tries attributes; Python code may use attributes (``row.markers``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    page: object
    paginator: Paginator
    spec: QueueSpec
    sort: str
    active_filters: dict[str, str]
    pagination: dict
    filter_groups: list[dict] = field(default_factory=list)
    sort_links: dict[str, dict] = field(default_factory=dict)
    columns: list[dict] = field(default_factory=list)
    #: The rows as HTML, when the spec has a ``row_html`` pattern.
    rows_html: str = ""
    #: The filter form, the column headings' row and the pagination as HTML
    #: (``includes/queue_table.html`` prints them; built here like the rows, ADR 0012).
    filters_html: str = ""
    head_html: str = ""
    pagination_html: str = ""

    @property
    def total(self) -> int:
        return self.paginator.count


class PartsInOrder:
    """Sorted querysets shown one after the other, as one list for Django's ``Paginator``
    (which needs only ``count()`` and slicing): a slice reads only the parts it overlaps."""

    def __init__(self, parts: list[models.QuerySet]):
        self.parts = parts
        self._counts: list[int] | None = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [part.count() for part in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop
        rows: list = []
        for part, size in zip(self.parts, self.counts(), strict=True):
            if stop is not None and stop <= 0:
                break
            if start < size:
                rows.extend(part[start:stop])
            start = max(start - size, 0)
            stop = None if stop is None else stop - size
        return rows


# -- ready-made filters and sorts ------------------------------------------------------------


def rag_filter(field_name: str = "rag") -> Filter:
    from openmash.contacts.codes import Rag

    return Filter(
        key="rag",
        label="RAG rating",
        choices=tuple(Rag.choices),
        apply=lambda qs, value, now: qs.filter(**{field_name: value}),
    )


def immediate_risk_filter(field_name: str = "immediate_risk") -> Filter:
    return Filter(
        key="risk",
        label="Immediate risk",
        choices=(("yes", "Immediate risk only"), ("no", "Without immediate risk")),
        apply=lambda qs, value, now: qs.filter(**{field_name: value == "yes"}),
    )


def overdue_filter(due_field: str = "decision_due_at") -> Filter:
    def apply(qs, value, now):
        if value == "overdue":
            return qs.filter(**{f"{due_field}__lt": now})
        if value == "due_soon":
            return qs.filter(**{f"{due_field}__gte": now, f"{due_field}__lt": now + DUE_SOON})
        return qs.filter(**{f"{due_field}__gte": now})

    return Filter(
        key="due",
        label="Timeliness",
        choices=(("overdue", "Overdue"), ("due_soon", "Due soon"), ("in_time", "Not overdue")),
        apply=apply,
    )


def rag_order(field_name: str = "rag") -> models.Case:
    """Red, amber, green, then not yet rated — an expression for ``order_by``."""
    return models.Case(
        models.When(**{field_name: "red"}, then=models.Value(0)),
        models.When(**{field_name: "amber"}, then=models.Value(1)),
        models.When(**{field_name: "green"}, then=models.Value(2)),
        default=models.Value(3),
        output_field=models.IntegerField(),
    )


# -- building a page -------------------------------------------------------------------------


def queue_page(
    request, queryset: models.QuerySet, spec: QueueSpec, *, now=None, total: int | None = None
) -> QueuePage:
    """Apply the whitelisted sort and filters from ``request.GET`` to ``queryset`` (already
    scoped to the user by a selector) and return one page with GOV.UK pagination context.

    ``total`` is how many rows ``queryset`` holds, if the caller has counted them already (the
    queue tabs show it): used when no filter is active, it saves the paginator's ``COUNT``."""
    now = now or timezone.now()
    params = request.GET
    sort = spec.sort(params.get("sort", "")).key
    active: dict[str, str] = {}
    for flt in spec.filters:
        value = params.get(flt.key, "")
        if value in dict(flt.choices):
            active[flt.key] = value
            queryset = flt.apply(queryset, value, now)

    pinned = (models.F(spec.risk_field).desc(),) if spec.risk_field else ()
    queryset = queryset.order_by(*pinned, *spec.sort(sort).order_by, "pk")

    rows_source = (
        PartsInOrder([queryset.filter(p(now) if callable(p) else p) for p in spec.parts])
        if spec.parts
        else queryset
    )
    paginator = Paginator(rows_source, spec.page_size)
    if total is not None and not active:
        paginator.count = total  # a cached property: the COUNT is not run again
    page = paginator.get_page(params.get("page"))
    records = list(page.object_list)
    if spec.page_reads is not None and records:
        # Scoped by the request's user; without one the scoped reads find nothing.
        spec.page_reads(records, getattr(request, "user", None))
    rows = [_row(obj, spec, now) for obj in records]

    base = {"sort": sort, **active} if sort != spec.default_sort else dict(active)
    result = QueuePage(
        rows=rows,
        page=page,
        paginator=paginator,
        spec=spec,
        sort=sort,
        active_filters=active,
        pagination=_pagination(page, base),
    )
    if spec.row_html:
        result.rows_html = SafeString(
            "".join(
                f'<tr class="govuk-table__row">{html_fill(spec.row_html, row)}</tr>\n'
                for row in rows
            )
        )
    result.columns = [
        {
            "label": c.label,
            "numeric": c.numeric,
            "sort_key": c.sort_key,
            "href": "?" + urlencode({**active, "sort": c.sort_key}) if c.sort_key else "",
            "current": c.sort_key == sort,
        }
        for c in spec.columns
    ]
    result.filter_groups = [
        {
            "key": f.key,
            "label": f.label,
            "options": [
                {"value": v, "label": lbl, "selected": active.get(f.key) == v}
                for v, lbl in f.choices
            ],
        }
        for f in spec.filters
    ]
    result.filters_html = _filters_html(result)
    result.head_html = _head_html(result.columns)
    result.pagination_html = _pagination_html(result.pagination)
    return result


# -- the page's parts as HTML (GOV.UK Frontend markup) ----------------------------------------

_FILTER_FORM = (
    '<form method="get" novalidate>\n{hidden}  <div class="govuk-grid-row">\n{groups}'
    '    <div class="govuk-grid-column-one-quarter">\n'
    '      <div class="govuk-button-group govuk-!-margin-top-6">\n'
    '        <button type="submit" class="govuk-button govuk-button--secondary" '
    'data-module="govuk-button">Apply filters</button>\n'
    "        {clear}\n      </div>\n    </div>\n  </div>\n</form>\n"
)
_FILTER_GROUP = (
    '    <div class="govuk-grid-column-one-quarter">\n      <div class="govuk-form-group">\n'
    '        <label class="govuk-label govuk-label--s" for="queue-filter-{key}">{label}</label>\n'
    '        <select class="govuk-select" id="queue-filter-{key}" name="{key}">\n'
    '          <option value="">All</option>\n          {options}\n        </select>\n'
    "      </div>\n    </div>\n"
)


def _filters_html(page: QueuePage) -> str:
    """The filter form: a select per filter, and "Clear filters" while any is applied."""
    if not page.filter_groups:
        return ""
    sorted_apart = page.sort != page.spec.default_sort
    groups = "".join(
        html_format(
            _FILTER_GROUP,
            key=group["key"],
            label=group["label"],
            options=SafeString(
                "".join(
                    html_format(
                        '<option value="{value}"{selected}>{label}</option>',
                        value=option["value"],
                        label=option["label"],
                        selected=SafeString(" selected" if option["selected"] else ""),
                    )
                    for option in group["options"]
                )
            ),
        )
        for group in page.filter_groups
    )
    clear = (
        html_format(
            '<a class="govuk-link" href="?{query}">Clear filters</a>',
            query=urlencode({"sort": page.sort}) if sorted_apart else "",
        )
        if page.active_filters
        else ""
    )
    hidden = (
        html_format('  <input type="hidden" name="sort" value="{sort}">\n', sort=page.sort)
        if sorted_apart
        else ""
    )
    return html_format(_FILTER_FORM, hidden=hidden, groups=SafeString(groups), clear=clear)


def _head_html(columns: list[dict]) -> str:
    """The column headings' row: a sortable column links to its sort, the current one says so
    to screen readers (``aria-sort``)."""
    cells = []
    for column in columns:
        css = " govuk-table__header--numeric" if column["numeric"] else ""
        sort = ""
        if column["sort_key"]:
            sort = ' aria-sort="ascending"' if column["current"] else ' aria-sort="none"'
        if column["sort_key"] and not column["current"]:
            text = html_format(
                '<a class="govuk-link" href="{href}">{label}<span class="govuk-visually-hidden">'
                " (sort by this)</span></a>",
                href=column["href"],
                label=column["label"],
            )
        elif column["current"]:
            text = html_format(
                '{label}<span class="govuk-visually-hidden"> (sorted)</span>'
                '<span aria-hidden="true"> ▲</span>',
                label=column["label"],
            )
        else:
            text = html_format("{label}", label=column["label"])
        cells.append(
            html_format(
                '<th scope="col" class="govuk-table__header{css}"{sort}>{text}</th>',
                css=SafeString(css),
                sort=SafeString(sort),
                text=text,
            )
        )
    return SafeString('<tr class="govuk-table__row">' + "".join(cells) + "</tr>")


_PREVIOUS = (
    '<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" '
    'href="{href}" rel="prev"><svg class="govuk-pagination__icon govuk-pagination__icon--prev" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 '
    '6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path>'
    '</svg><span class="govuk-pagination__link-title">Previous<span '
    'class="govuk-visually-hidden"> page</span></span></a></div>'
)
_NEXT = (
    '<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" '
    'href="{href}" rel="next"><span class="govuk-pagination__link-title">Next<span '
    'class="govuk-visually-hidden"> page</span></span><svg class="govuk-pagination__icon '
    'govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13" width="15" '
    'aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 '
    "1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"
    '"></path></svg></a></div>'
)


def _pagination_html(pagination: dict) -> str:
    """The GOV.UK pagination component (nothing when everything fits on one page)."""
    if not pagination["show"]:
        return ""
    items = []
    for item in pagination["items"]:
        if item.get("ellipsis"):
            items.append(
                '<li class="govuk-pagination__item govuk-pagination__item--ellipses">&ctdot;</li>'
            )
            continue
        current = item["current"]
        items.append(
            html_format(
                '<li class="govuk-pagination__item{css}"><a class="govuk-link '
                'govuk-pagination__link" href="{href}" aria-label="Page {number}"{aria}>'
                "{number}</a></li>",
                css=SafeString(" govuk-pagination__item--current" if current else ""),
                href=item["href"],
                number=item["number"],
                aria=SafeString(' aria-current="page"' if current else ""),
            )
        )
    previous = pagination["previous"]
    following = pagination["next"]
    return SafeString(
        '<nav class="govuk-pagination" aria-label="Pagination">'
        + (html_format(_PREVIOUS, href=previous) if previous else "")
        + '<ul class="govuk-pagination__list">'
        + "".join(items)
        + "</ul>"
        + (html_format(_NEXT, href=following) if following else "")
        + "</nav>"
    )


def _row(obj, spec: QueueSpec, now) -> QueueRow:
    markers, overdue, due_soon = _markers(
        obj, due_field=spec.due_field, rag_field=spec.rag_field, risk_field=spec.risk_field, now=now
    )
    row = QueueRow(
        obj=obj,
        markers=markers,
        tags=tags_html(markers, empty=spec.no_tags),
        overdue=overdue,
        due_soon=due_soon,
    )
    if spec.cells is not None:
        row.update(spec.cells(obj))
    return row


@cache
def _tag_html(marker: Marker) -> str:
    return format_html('<strong class="govuk-tag {}">{}</strong>', marker.css, marker.label)


@cache
def _no_tags_html(empty: str) -> SafeString:
    return format_html('<span class="govuk-visually-hidden">{}</span>', empty) if empty else ""


def tags_html(markers: list[Marker], *, empty: str = "None") -> str:
    """The markers as GOV.UK tags; ``empty`` (visually hidden, for screen readers) when there
    are none, so the cell is not read out as blank."""
    if not markers:
        return _no_tags_html(empty)
    return SafeString(" ".join([_tag_html(m) for m in markers]))  # each part escaped


def record_markers(
    obj,
    *,
    due_field: str | None = "decision_due_at",
    rag_field: str | None = "rag",
    risk_field: str | None = "immediate_risk",
    now=None,
) -> list[Marker]:
    """The same tags a queue row shows, for one record's own page."""
    return _markers(
        obj,
        due_field=due_field,
        rag_field=rag_field,
        risk_field=risk_field,
        now=now or timezone.now(),
    )[0]


def _markers(obj, *, due_field, rag_field, risk_field, now) -> tuple[list[Marker], bool, bool]:
    markers: list[Marker] = []
    if risk_field and getattr(obj, risk_field, False):
        markers.append(Marker("Immediate risk", "govuk-tag--red"))
    rag = getattr(obj, rag_field, "") if rag_field else ""
    if rag:
        markers.append(Marker(rag.capitalize(), f"openmash-tag--{rag}"))
    overdue = due_soon = False
    due = getattr(obj, due_field, None) if due_field else None
    if due is not None:
        overdue = due < now
        due_soon = not overdue and due < now + DUE_SOON
        if overdue:
            markers.append(Marker("Overdue", "govuk-tag--red"))
        elif due_soon:
            markers.append(Marker("Due soon", "govuk-tag--yellow"))
    return markers, overdue, due_soon


def _pagination(page, base: dict) -> dict:
    """Context for the GOV.UK pagination component: previous/next and numbered items with
    ellipses (first, last, and the pages either side of the current one)."""
    paginator = page.paginator

    def href(number):
        return "?" + urlencode({**base, "page": number})

    items = []
    last_shown = 0
    for number in range(1, paginator.num_pages + 1):
        if number in (1, paginator.num_pages) or abs(number - page.number) <= 1:
            if last_shown and number - last_shown > 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": href(number), "current": number == page.number})
            last_shown = number
    return {
        "show": paginator.num_pages > 1,
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "items": items,
        "start": page.start_index(),
        "end": page.end_index(),
        "count": paginator.count,
    }
