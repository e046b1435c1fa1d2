"""Agency response cards rendered in Python (ADR 0011): the same text as the template filters
they replace (``|linebreaksbr``, ``|default``), the right status tag, and escaping."""

import uuid
from datetime import UTC, datetime, timedelta

from django.template.defaultfilters import linebreaksbr
from hypothesis import given
from hypothesis import strategies as st

from openmash.accounts.models import Agency, User
from openmash.core.formats import text_with_breaks
from openmash.enquiries.models import InformationRequest, RequestStatus, ResponseOutcome
from openmash.enquiries.response_cards import response_cards

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@given(st.text(alphabet=st.sampled_from("ab<>&\"'\r\n ")))
def test_text_with_breaks_is_the_linebreaksbr_filter(text):
    assert text_with_breaks(text) == linebreaksbr(text, autoescape=True)
    assert text_with_breaks(text, "None given") == linebreaksbr(text or "None given", True)


def _request(**fields) -> InformationRequest:
    defaults = {
        "pk": uuid.uuid4(),
        "agency": Agency(name="Police <CAIT>"),
        "question": "Is the family known?\nAny DV call-outs?",
        "status": RequestStatus.REQUESTED,
        "due_at": NOW + timedelta(hours=1),
    }
    return InformationRequest(**{**defaults, **fields})


def test_an_awaited_and_an_overdue_request():
    awaited, overdue = response_cards(
        [_request(), _request(due_at=NOW - timedelta(minutes=1))], NOW
    )
    assert "Awaiting response" in awaited and "Overdue" not in awaited
    assert "Overdue" in overdue
    assert "Police &lt;CAIT&gt;" in awaited
    assert "Is the family known?<br>Any DV call-outs?" in awaited
    assert "Monday 7 December 2026, 13:00" in awaited  # due, in London time
    assert "Outcome" not in awaited  # no response yet


def test_a_response_shows_every_part_with_defaults_for_the_empty_ones():
    (card,) = response_cards(
        [
            _request(
                status=RequestStatus.RESPONDED,
                due_at=NOW - timedelta(hours=2),  # answered: not shown as overdue
                outcome=ResponseOutcome.KNOWN,
                summary="Two call-outs.\r\nOne <b>arrest</b>.",
                risk_factors="",
                protective_factors="Grandmother nearby",
                systems_searched="",
                proportionality_note="",
                responded_at=NOW - timedelta(hours=3),
                responded_by=User(username="officer1", first_name="Sam", last_name="Officer"),
            )
        ],
        NOW,
    )
    assert "Responded" in card and "Overdue" not in card
    assert "Known to the agency" in card
    assert "Two call-outs.<br>One &lt;b&gt;arrest&lt;/b&gt;." in card
    assert card.count("None given") == 1 and card.count("Not recorded") == 2
    assert "Monday 7 December 2026, 09:00 by Sam Officer" in card
