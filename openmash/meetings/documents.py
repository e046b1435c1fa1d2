"""Agendas and minutes as PDF (WeasyPrint), from the same ``MeetingDocument`` the print page
shows. The document is self-contained: no external resource is ever fetched."""

from django.template.loader import render_to_string
from django.utils import timezone

from openmash.decisions.handover import pdf_from_html

from .selectors import MeetingDocument


def meeting_document_pdf(document: MeetingDocument, *, base_url: str = "") -> bytes:
    html = render_to_string("meetings/document_pdf.html", {"doc": document})
    return pdf_from_html(html, base_url=base_url)


def meeting_document_filename(document: MeetingDocument) -> str:
    meeting = document.meeting
    code = meeting.meeting_type.code.replace("_", "-")
    start = timezone.localtime(meeting.starts_at)
    return f"{document.kind}-{code}-{start:%Y-%m-%d-%H%M}.pdf"
