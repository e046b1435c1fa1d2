"""The dashboard's slots for the data subject rights register and the breach register.

Those registers are built separately (issue 5, part B) and expose ``rights_register_summary``
and ``breach_register_summary`` in ``selectors``. A slot shows their figures once the summary
exists, and otherwise says that it will appear — never a made-up number.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import NoReverseMatch, reverse

from . import selectors


@dataclass(frozen=True)
class RegisterSummary:
    title: str
    exists: bool
    open_count: int | None = None
    overdue_count: int | None = None
    overdue_label: str = ""
    next_due: date | datetime | None = None
    note: str = ""
    url: str = ""

    @property
    def next_due_is_a_time(self) -> bool:
        return isinstance(self.next_due, datetime)


_SLOTS = (
    (
        "Data subject rights requests",
        "rights_register_summary",
        "past the one-month deadline",
        "governance:rights_list",
    ),
    (
        "Personal data breaches",
        "breach_register_summary",
        "past the 72-hour ICO decision",
        "governance:breach_list",
    ),
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _due(item):
    for name in ("due_on", "ico_due_at", "due_at"):
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def register_summaries(user) -> list[RegisterSummary]:
    summaries = []
    for title, function_name, overdue_label, url_name in _SLOTS:
        summary_for = getattr(selectors, function_name, None)
        counts = summary_for(user) if summary_for is not None else None
        if counts is None:
            summaries.append(
                RegisterSummary(
                    title, exists=False, note="These appear here once the register exists."
                )
            )
            continue
        summaries.append(
            RegisterSummary(
                title,
                exists=True,
                open_count=counts.open,
                overdue_count=counts.overdue,
                overdue_label=overdue_label,
                next_due=_due(counts.next_due[0]) if counts.next_due else None,
                url=_url(url_name),
            )
        )
    return summaries
