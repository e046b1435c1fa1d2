"""Agencies' requests and responses rendered in Python from fixed HTML patterns (ADR 0011).

A busy contact has a request to every partner agency, each shown as a summary card of a dozen
values, most of them free text with line breaks. Through the template engine (``|default``,
``|linebreaksbr``, ``{% if %}`` per value) the cards were a third of the contact page's time;
``format_html`` escapes each value exactly as ``{{ }}`` does, for a fraction of that. The
templates (``enquiries/includes/responses.html``, ``request_detail.html``) print the cards
whole. ``tests/test_response_cards.py`` checks the text and escaping against the filters.
"""

from django.utils.safestring import SafeString

from openmash.core.formats import html_format, staff_name, text_with_breaks, when_long

from .models import InformationRequest, RequestStatus

_SUMMARY = """<dl class="govuk-summary-list">
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Outcome</dt><dd class="govuk-summary-list__value">{outcome}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Summary</dt><dd class="govuk-summary-list__value">{summary}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Risk factors</dt><dd class="govuk-summary-list__value">{risk_factors}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Protective factors</dt><dd class="govuk-summary-list__value">{protective_factors}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Systems searched</dt><dd class="govuk-summary-list__value">{systems_searched}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Necessity and proportionality</dt><dd class="govuk-summary-list__value">{proportionality_note}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Responded</dt><dd class="govuk-summary-list__value">{responded}</dd></div>
</dl>
"""  # noqa: E501 (HTML, kept as the template had it)


def response_summary(request: InformationRequest) -> SafeString:
    """One agency's recorded response, read-only: outcome, what is held, risk and protective
    factors, systems searched, the proportionality note, and when and by whom it was sent."""
    responded = when_long(request.responded_at)
    by = staff_name(request.responded_by)
    return html_format(
        _SUMMARY,
        outcome=request.get_outcome_display(),
        summary=text_with_breaks(request.summary, "None given"),
        risk_factors=text_with_breaks(request.risk_factors, "None given"),
        protective_factors=text_with_breaks(request.protective_factors, "None given"),
        systems_searched=text_with_breaks(request.systems_searched, "Not recorded"),
        proportionality_note=text_with_breaks(request.proportionality_note, "Not recorded"),
        responded=f"{responded} by {by}" if by else responded,
    )


_CARD = """<div class="govuk-summary-card">
  <div class="govuk-summary-card__title-wrapper">
    <h3 class="govuk-summary-card__title">{agency}</h3>
    <ul class="govuk-summary-card__actions"><li class="govuk-summary-card__action">{tag}</li></ul>
  </div>
  <div class="govuk-summary-card__content">
    <dl class="govuk-summary-list">
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Question</dt><dd class="govuk-summary-list__value">{question}</dd></div>
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Due</dt><dd class="govuk-summary-list__value">{due}</dd></div>
    </dl>
    {response}
  </div>
</div>
"""  # noqa: E501 (HTML, kept as the template had it)
_RESPONDED = SafeString('<strong class="govuk-tag govuk-tag--green">Responded</strong>')
_OVERDUE = SafeString('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')
_AWAITING = SafeString('<strong class="govuk-tag govuk-tag--grey">Awaiting response</strong>')


def response_cards(requests, now) -> list[SafeString]:
    """A summary card per information request: the agency, whether it has responded, is
    overdue at ``now`` or is awaited, the question, when it is due and — once answered — the
    response (``response_summary``)."""
    cards = []
    for request in requests:
        responded = request.status == RequestStatus.RESPONDED
        if responded:
            tag = _RESPONDED
        elif request.due_at < now:
            tag = _OVERDUE
        else:
            tag = _AWAITING
        cards.append(
            html_format(
                _CARD,
                agency=request.agency.name,
                tag=tag,
                question=text_with_breaks(request.question),
                due=when_long(request.due_at),
                response=response_summary(request) if responded else "",
            )
        )
    return cards
