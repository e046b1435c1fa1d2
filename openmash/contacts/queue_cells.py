"""Display values for queue rows that show a contact (contacts, enquiries and decisions
queues): see ``QueueSpec.cells`` in ``openmash.core.queues`` for why rows are formatted in
Python."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from openmash.core.formats import day_short

_NO_CHILD = mark_safe('<span class="govuk-body-s">No child named</span>')


def children_html(children, *, with_birth: bool = False) -> str:
    """The children cell: one line per subject child (``children`` as prefetched by the queue
    selectors), with "(born 5 Mar 2020)" or "(unborn, due 1 Jun 2027)" when asked for.

    Built with the standard library's ``html.escape`` (what Django's ``escape`` calls, without
    its lazy-string checks) and f-strings rather than ``format_html``, for up to a hundred
    lines a page: the names are escaped, the dates are our own digits."""
    lines = []
    for child in children:
        line = f"{escape(child.forename)} {escape(child.surname)}"
        if with_birth and child.date_of_birth:
            line += f' <span class="govuk-body-s">(born {day_short(child.date_of_birth)})</span>'
        elif with_birth and child.expected_delivery_date:
            due = day_short(child.expected_delivery_date)
            line += f' <span class="govuk-body-s">(unborn, due {due})</span>'
        lines.append(line)
    if not lines:
        return _NO_CHILD
    return SafeString("<br>".join(lines))  # names escaped above
