"""The handover summary PDF: a real document with the child, concerns, screening, every
agency's response, the analysis and the decision in it."""

import pytest
import weasyprint
from django.template.loader import render_to_string

from openmash.decisions.codes import Outcome
from openmash.decisions.handover import (
    handover_summary_build,
    handover_summary_pdf,
    pdf_from_html,
)
from openmash.decisions.services import contact_decide

pytestmark = pytest.mark.django_db


def _laid_out_text(html: str) -> tuple[int, str]:
    """Lay the document out as WeasyPrint does for the PDF; return its page count and the
    text of every line box, so the test reads what is printed, not the template source."""
    document = weasyprint.HTML(string=html).render()
    words = []
    for page in document.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if text:
                words.append(text)
    return len(document.pages), " ".join(" ".join(words).split())


@pytest.fixture
def decided(analysed_contact, staff, teams):
    contact = analysed_contact(agency_codes=("POLICE", "HEALTH"), immediate_risk=True, rag="red")
    contact_decide(
        contact,
        actor=staff["pm"],
        outcome=Outcome.STRATEGY_S47,
        rationale="Synthetic rationale for a strategy discussion.",
        receiving_team=teams["ASSESSMENT"],
        expected_version=contact.version,
    )
    return contact


def test_pdf_is_a_real_pdf(decided):
    pdf = handover_summary_pdf(handover_summary_build(decided))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 5_000


def test_pdf_contains_everything_the_receiving_team_needs(decided):
    summary = handover_summary_build(decided)
    html = render_to_string("decisions/handover/summary_pdf.html", {"summary": summary})
    pages, text = _laid_out_text(html)
    assert pages >= 1

    child = summary.children[0]
    analysis = summary.analysis
    expected = [
        f"{child.forename} {child.surname}",  # the child
        "Domestic abuse",  # concerns
        " ".join(decided.narrative.split()[:4]),
        "Red",  # screening
        "Immediate risk",
        "Level 4 – child in need or child protection",
        "Police",  # every agency's response
        "Health",
        *(" ".join(r.risk_factors.split()[:3]) for r in summary.requests),
        " ".join(analysis.analysis.split()[:4]),  # analysis
        "Strategy discussion (s47)",  # decision
        "Synthetic rationale for a strategy discussion.",
        "Assessment team",
        decided.reference,
    ]
    for phrase in expected:
        assert phrase in text, phrase


def test_case_text_stays_text(decided):
    """Markup typed into a narrative is escaped, not rendered."""
    decided.narrative = '<img src="http://169.254.169.254/latest/meta-data/">'
    decided.save(update_fields=["narrative"])
    summary = handover_summary_build(decided)
    html = render_to_string("decisions/handover/summary_pdf.html", {"summary": summary})
    assert "<img" not in html
    assert "&lt;img" in html


def test_renderer_fetches_nothing(monkeypatch):
    """Even a resource in the document itself is refused: no server-side requests."""
    fetched = []
    monkeypatch.setattr(
        weasyprint.URLFetcher, "fetch", lambda self, url, h=None: fetched.append(url)
    )
    pdf = pdf_from_html(
        '<p>Synthetic</p><img src="http://169.254.169.254/latest/meta-data/">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )
    assert pdf.startswith(b"%PDF-")
    assert fetched == []
