"""The handover summary: what the receiving team is given about a decided contact — the child,
the concerns, the screening, each agency's response, the analysis and the decision — as an
HTML page and as a PDF.

Its content was disclosed to the team once, by ``services.contact_decide`` (a Record of Sharing
entry per handover). Reading it afterwards is an *access*, logged by
``selectors.handover_summary_get_for_user``, which is also the only caller of
``handover_summary_build``: the builder reads every agency's response (``unscoped``) because
the recorded disclosure, not the reader's own agency, is what entitles the receiving team to it.
"""

from dataclasses import dataclass, field

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.contacts.models import Contact, ContactConcern, ContactPerson
from openmash.enquiries.models import InformationRequest, MashEnquiry

from .models import Analysis, Decision


@dataclass
class CaseSummary:
    """A contact with everything gathered on it, as the analysis and decision pages and the
    handover summary show it. ``decision`` and ``analysis`` are empty until they exist."""

    contact: Contact
    decision: Decision | None
    analysis: Analysis | None
    enquiry: MashEnquiry | None
    children: list[ContactPerson] = field(default_factory=list)
    adults: list[ContactPerson] = field(default_factory=list)
    concerns: list[ContactConcern] = field(default_factory=list)
    requests: list[InformationRequest] = field(default_factory=list)
    generated_at: object = None

    @property
    def person_ids(self) -> list:
        return [p.person_id for p in (*self.children, *self.adults) if p.person_id]


def handover_summary_build(contact: Contact) -> CaseSummary:
    """Gather the summary of a decided contact (a fixed number of queries)."""
    decision = Decision.unscoped.select_related("decided_by", "receiving_team__agency").get(
        contact_id=contact.pk
    )
    analysis = Analysis.unscoped.select_related("analysed_by").filter(contact_id=contact.pk).first()
    enquiry = MashEnquiry.unscoped.filter(contact_id=contact.pk).first()
    people = list(
        ContactPerson.unscoped.filter(contact_id=contact.pk).order_by("role", "surname", "forename")
    )
    requests = []
    if enquiry is not None:
        requests = list(
            InformationRequest.unscoped.filter(enquiry_id=enquiry.pk)
            .select_related("agency", "responded_by")
            .order_by("agency__name")
        )
    return CaseSummary(
        contact=contact,
        decision=decision,
        analysis=analysis,
        enquiry=enquiry,
        children=[p for p in people if p.role == "subject_child"],
        adults=[p for p in people if p.role != "subject_child"],
        concerns=list(ContactConcern.objects.filter(contact_id=contact.pk).order_by("category")),
        requests=requests,
        generated_at=timezone.now(),
    )


class _NoFetching(weasyprint.URLFetcher):
    """WeasyPrint may fetch nothing: the document is self-contained (styles inline), and a
    URL that found its way into case text must never make the server request it."""

    def fetch(self, url, headers=None):
        raise ValueError(f"External resources are not loaded in summaries: {url[:60]}")


def pdf_from_html(html: str, *, base_url: str = "") -> bytes:
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_NoFetching()).write_pdf()


def handover_summary_pdf(summary: CaseSummary, *, base_url: str = "") -> bytes:
    """Render the summary as a PDF (A4, page numbers, reference and protective marking on
    every page)."""
    html = render_to_string("decisions/handover/summary_pdf.html", {"summary": summary})
    return pdf_from_html(html, base_url=base_url)
