"""Display values for queue rows that show a contact (contacts, enquiries and decisions
queues): see ``QueueSpec.cells`` in ``openmash.core.queues`` for why rows are formatted in
Python."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from openmash.core.formats import day_short


def children_html(children, *, with_birth: bool = False) -> str:
    """The children cell: one line per subject child (``children`` as prefetched by the queue
    selectors), with "(born 5 Mar 2020)" or "(unborn, due 1 Jun 2027)" when asked for."""
    lines = []
    for child in children:
        note = ""
        if with_birth and child.date_of_birth:
            note = format_html(
                ' <span class="govuk-body-s">(born {})</span>', day_short(child.date_of_birth)
            )
        elif with_birth and child.expected_delivery_date:
            note = format_html(
                ' <span class="govuk-body-s">(unborn, due {})</span>',
                day_short(child.expected_delivery_date),
            )
        lines.append((child.forename, child.surname, note))
    if not lines:
        return format_html('<span class="govuk-body-s">{}</span>', "No child named")
    return format_html_join(mark_safe("<br>"), "{} {}{}", lines)
