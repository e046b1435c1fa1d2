"""The parts of a work queue page that ``queue_page`` builds as HTML: the filter form, the
column headings and the pagination (ADR 0012)."""

import pytest
from django.test import RequestFactory

from openmash.contacts.models import Contact
from openmash.core.queues import (
    Column,
    QueueSpec,
    Sort,
    immediate_risk_filter,
    queue_page,
)
from openmash.decisions.tests.factories import ContactFactory

SPEC = QueueSpec(
    sorts=(
        Sort("due", "Due", ("decision_due_at",)),
        Sort("received", "Received", ("received_at",)),
    ),
    columns=(Column("Reference"), Column("Due <soon>", "due"), Column("Received", "received")),
    filters=(immediate_risk_filter(),),
    page_size=1,
)


def _page(query: str):
    request = RequestFactory().get("/queue/?" + query)
    return queue_page(request, Contact.unscoped.all(), SPEC)


@pytest.mark.django_db
def test_filters_headings_and_pages_keep_the_chosen_sort_and_filters():
    for _ in range(3):
        ContactFactory(immediate_risk=True)
    page = _page("sort=received&risk=yes&page=2")

    form = page.filters_html
    assert '<input type="hidden" name="sort" value="received">' in form
    assert '<option value="yes" selected>Immediate risk only</option>' in form
    assert '<option value="no">Without immediate risk</option>' in form
    assert '<a class="govuk-link" href="?sort=received">Clear filters</a>' in form

    head = page.head_html
    assert '<th scope="col" class="govuk-table__header">Reference</th>' in head
    assert 'aria-sort="none"><a class="govuk-link" href="?risk=yes&amp;sort=due">' in head
    assert "Due &lt;soon&gt;" in head  # labels are escaped
    assert 'aria-sort="ascending">Received<span class="govuk-visually-hidden"> (sorted)' in head

    nav = page.pagination_html
    assert 'href="?sort=received&amp;risk=yes&amp;page=1" rel="prev"' in nav
    assert 'href="?sort=received&amp;risk=yes&amp;page=3" rel="next"' in nav
    assert 'aria-label="Page 2" aria-current="page">2</a>' in nav


@pytest.mark.django_db
def test_the_default_view_has_no_hidden_sort_no_clear_link_and_no_pagination_when_one_page():
    ContactFactory()
    page = _page("")
    assert 'name="sort"' not in page.filters_html
    assert "Clear filters" not in page.filters_html
    assert page.pagination_html == ""
