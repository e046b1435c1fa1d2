"""The children cell of the queue rows: names escaped, the birth or due date when asked for."""

from datetime import date
from types import SimpleNamespace

from django.utils.safestring import SafeString

from openmash.contacts.queue_cells import children_html


def _child(forename, surname, born=None, due=None):
    return SimpleNamespace(
        forename=forename, surname=surname, date_of_birth=born, expected_delivery_date=due
    )


def test_names_are_escaped_and_dates_shown_when_asked_for():
    children = [
        _child("Ann<b>", "O'Neill & Co", born=date(2020, 3, 5)),
        _child("Baby", "Smith", due=date(2027, 6, 1)),
    ]
    html = children_html(children, with_birth=True)
    assert isinstance(html, SafeString)
    assert html == (
        "Ann&lt;b&gt; O&#x27;Neill &amp; Co"
        ' <span class="govuk-body-s">(born 5 Mar 2020)</span><br>'
        'Baby Smith <span class="govuk-body-s">(unborn, due 1 Jun 2027)</span>'
    )
    assert children_html(children) == "Ann&lt;b&gt; O&#x27;Neill &amp; Co<br>Baby Smith"


def test_no_children():
    assert children_html([]) == '<span class="govuk-body-s">No child named</span>'
