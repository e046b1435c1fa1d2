"""Pages of the last steps of the front door: the MASH social worker's analysis, the practice
manager's decision, the handover summary (HTML and PDF), the queues "awaiting decision" and
"decided today", and a partner agency's outcomes.

Thin glue: selector → template; form → service → redirect. A rule broken in a service comes
back onto the form; a conflict (someone else acted first) is shown in the error summary with
what they did, and what the user typed is kept.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import channel_from_request
from openmash.contacts.models import ContactStatus
from openmash.contacts.queue_cells import children_html
from openmash.contacts.selectors import subject_children_attach
from openmash.core.errors import ConflictError, DomainError
from openmash.core.formats import html_format, record_url, time_hm, when_short
from openmash.core.queues import (
    Column,
    Filter,
    QueueSpec,
    Sort,
    immediate_risk_filter,
    overdue_filter,
    queue_page,
    rag_filter,
    rag_order,
)
from openmash.enquiries.models import EnquiryStatus

from . import selectors, services
from .codes import Outcome
from .forms import AnalysisForm, DecisionForm
from .handover import handover_summary_pdf
from .models import FeedbackStatus

OUTCOMES_PAGE_SIZE = 25


def _contact_page(contact) -> str:
    """The contact page (contacts app) if it is routed, else the user's home page."""
    try:
        return reverse("contacts:detail", kwargs={"pk": contact.pk})
    except NoReverseMatch:
        return reverse("home")


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


@capability_required(C.ENQUIRY_ANALYSE)
@require_http_methods(["GET", "POST"])
def analysis(request, contact_id):
    """The MASH social worker's analysis of a MASH enquiry whose responses are all in."""
    summary = selectors.case_summary_get_for_user(
        request.user, contact_id, channel=channel_from_request(request)
    )
    contact = summary.contact
    open_for_analysis = (
        contact.status == ContactStatus.ENQUIRY
        and summary.enquiry is not None
        and summary.enquiry.status == EnquiryStatus.READY
    )
    form = AnalysisForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        form = AnalysisForm(initial={"version": contact.version})
    elif form.is_valid():
        data = form.cleaned_data
        try:
            services.analysis_record(
                contact,
                actor=request.user,
                expected_version=data["version"],
                analysis=data["analysis"],
                recommendation=data["recommendation"],
                recommendation_rationale=data["recommendation_rationale"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                f"Analysis of {contact.reference} recorded: it is now awaiting the practice "
                "manager's decision.",
            )
            return redirect(_contact_page(contact))
    return render(
        request,
        "decisions/analysis_form.html",
        {"summary": summary, "form": form, "open_for_analysis": open_for_analysis},
    )


@capability_required(C.CONTACT_DECIDE)
@require_http_methods(["GET", "POST"])
def decide(request, contact_id):
    """The practice manager's decision on an analysed contact."""
    channel = channel_from_request(request)
    summary = selectors.case_summary_get_for_user(request.user, contact_id, channel=channel)
    contact = summary.contact
    conflict = False
    if request.method == "GET":
        form = DecisionForm(
            initial={
                "version": contact.version,
                "outcome": summary.analysis.recommendation if summary.analysis else None,
            }
        )
    else:
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.contact_decide(
                    contact,
                    actor=request.user,
                    outcome=data["outcome"],
                    rationale=data["rationale"],
                    receiving_team=data["receiving_team"],
                    expected_version=data["version"],
                )
            except ConflictError as error:
                conflict = True
                form.add_error(None, str(error))
                # Show what the other person decided; the form keeps what this user typed.
                summary = selectors.case_summary_get_for_user(
                    request.user, contact_id, channel=channel
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(
                    request,
                    f"{contact.reference} decided: {decision.get_outcome_display()}.",
                )
                if decision.feedback_status == FeedbackStatus.RESTRICTED:
                    messages.warning(request, services.REFERRER_FEEDBACK_RESTRICTED)
                return redirect("decisions:awaiting")
    return render(
        request,
        "decisions/decide_form.html",
        {
            "summary": summary,
            "form": form,
            "conflict": conflict,
            "open_for_decision": summary.contact.status == ContactStatus.ANALYSED and not conflict,
        },
    )


@capability_required(C.CONTACT_VIEW)
@require_GET
def summary(request, contact_id):
    """The handover summary for the receiving team, as a page (printable)."""
    summary = selectors.handover_summary_get_for_user(
        request.user, contact_id, channel=channel_from_request(request)
    )
    return render(request, "decisions/handover/summary.html", {"summary": summary})


@capability_required(C.CONTACT_VIEW)
@require_GET
def summary_pdf(request, contact_id):
    """The handover summary as a PDF, to keep with the receiving team's record."""
    summary = selectors.handover_summary_get_for_user(
        request.user, contact_id, channel=channel_from_request(request), verb="downloaded"
    )
    pdf = handover_summary_pdf(summary, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="handover-summary-{summary.contact.reference}.pdf"'
    )
    return response


# --- queues (openmash.core.queues does the sorting, filtering, markers and paging) ----------

QUEUE_SORTS = (
    Sort("due", "Decision due", ("decision_due_at",)),
    Sort("received", "Received", ("received_at",)),
    Sort("rag", "RAG rating", (rag_order(), "decision_due_at")),
)


def _decided_late_filter() -> Filter:
    def apply(qs, value, now):
        return qs.filter(decided_late=value == "late")

    return Filter(
        key="timeliness",
        label="Timeliness",
        choices=(("late", "Decided after the deadline"), ("in_time", "Decided in time")),
        apply=apply,
    )


_decide_url = record_url("decisions:decide", "contact_id")
#: Labels of the codes rows show (``get_FOO_display()`` builds a dict of the choices per call).
_OUTCOME_LABELS = dict(Outcome.choices)
_FEEDBACK_LABELS = dict(FeedbackStatus.choices)
_summary_url = record_url("decisions:summary", "contact_id")


def _children_read(contacts, user) -> None:
    subject_children_attach(user, contacts)


#: One contact awaiting a decision (``QueueSpec.row_html``).
_AWAITING_ROW = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{href}">{reference}'
    '<span class="govuk-visually-hidden">: decide the outcome</span></a></td>'
    '<td class="govuk-table__cell">{children}</td>'
    '<td class="govuk-table__cell">{received}</td>'
    '<td class="govuk-table__cell">{due}</td>'
    '<td class="govuk-table__cell">{recommendation}</td>'
    '<td class="govuk-table__cell">{tags}</td>'
)
_RECOMMENDATION = '{label}<br><span class="govuk-body-s">{analysed_by}</span>'


def _awaiting_cells(contact) -> dict:
    """The values of ``_AWAITING_ROW`` for one analysed contact."""
    recommendation = contact.recommendation
    return {
        "href": _decide_url(contact.pk),
        "reference": contact.reference,
        "children": children_html(contact.children),
        "received": when_short(contact.received_at),
        "due": when_short(contact.decision_due_at),
        "recommendation": html_format(
            _RECOMMENDATION,
            label=_OUTCOME_LABELS.get(recommendation, recommendation),
            # As User.get_full_name() would say it.
            analysed_by=" ".join(
                (contact.analysed_by_first or "", contact.analysed_by_last or "")
            ).strip(),
        )
        if recommendation
        else "–",
    }


#: One contact decided today (``QueueSpec.row_html``).
_TODAY_ROW = (
    '<td class="govuk-table__cell">{reference}{summary}</td>'
    '<td class="govuk-table__cell">{children}</td>'
    '<td class="govuk-table__cell">{due}</td>'
    '<td class="govuk-table__cell">{outcome}{team}<br><span class="govuk-body-s">{decided}</span>'
    "</td>"
    '<td class="govuk-table__cell">{told}</td>'
    '<td class="govuk-table__cell">{tags}{late}</td>'
)
_SUMMARY_LINK = (
    '<br><a class="govuk-link govuk-body-s" href="{href}">Handover summary'
    '<span class="govuk-visually-hidden"> for {reference}</span></a>'
)
_TEAM = '<br><span class="govuk-body-s">to {team}</span>'
_DECIDED_LATE = SafeString(' <strong class="govuk-tag govuk-tag--red">Decided late</strong>')


def _today_cells(contact) -> dict:
    """The values of ``_TODAY_ROW`` for one contact decided today (the decision's values as
    ``decided_today_queue`` annotates them)."""
    outcome = contact.decision_outcome
    if outcome is None:
        told = "–"
    elif contact.feedback_status == FeedbackStatus.SENT:
        told = f"Emailed {time_hm(contact.feedback_sent_at)}"
    else:
        told = _FEEDBACK_LABELS.get(contact.feedback_status, contact.feedback_status) or "–"
    has_team = contact.receiving_team_id is not None
    # As User.get_full_name() says it.
    decided_by = f"{contact.decided_by_first or ''} {contact.decided_by_last or ''}".strip()
    return {
        "reference": contact.reference,
        "summary": html_format(
            _SUMMARY_LINK, href=_summary_url(contact.pk), reference=contact.reference
        )
        if has_team
        else "",
        "children": children_html(contact.children),
        "due": when_short(contact.decision_due_at),
        "outcome": _OUTCOME_LABELS.get(outcome, outcome) if outcome else "",
        "team": html_format(_TEAM, team=contact.receiving_team_name) if has_team else "",
        "decided": f"{time_hm(contact.decision_decided_at)}, {decided_by}" if outcome else "",
        "told": told,
        "late": _DECIDED_LATE if contact.decided_late else "",
    }


AWAITING_SPEC = QueueSpec(
    sorts=QUEUE_SORTS,
    columns=(
        Column("Reference"),
        Column("Children"),
        Column("Received", "received"),
        Column("Decision due", "due"),
        Column("Recommendation"),
        Column("Flags", "rag"),
    ),
    filters=(rag_filter(), immediate_risk_filter(), overdue_filter("decision_due_at")),
    cells=_awaiting_cells,
    row_html=_AWAITING_ROW,
    page_reads=_children_read,
    empty_message="There are no analysed contacts waiting for a decision.",
)

#: Decided rows have no "overdue" marker (their clock has stopped); the row shows "Decided
#: late" instead, and the timeliness filter asks the same question.
TODAY_SPEC = QueueSpec(
    sorts=QUEUE_SORTS,
    columns=(
        Column("Reference"),
        Column("Children"),
        Column("Decision due", "due"),
        Column("Outcome"),
        Column("Referrer told"),
        Column("Flags", "rag"),
    ),
    filters=(rag_filter(), immediate_risk_filter(), _decided_late_filter()),
    due_field=None,
    cells=_today_cells,
    row_html=_TODAY_ROW,
    page_reads=_children_read,
    no_tags="",
    empty_message="No contacts have been decided today yet.",
)


def _queue(request, queryset, spec, *, title, intro, total=None):
    return render(
        request,
        "decisions/queue.html",
        {
            "queue": queue_page(request, queryset, spec, total=total),
            "title": title,
            "intro": intro,
        },
    )


@capability_required(C.CONTACT_DECIDE)
@require_GET
def awaiting(request):
    return _queue(
        request,
        selectors.awaiting_decision_queue(request.user),
        AWAITING_SPEC,
        title="Awaiting decision",
        intro="Contacts analysed by a MASH social worker, waiting for a practice manager's "
        "decision. Immediate risk first, then by when the decision is due.",
    )


@capability_required(C.CONTACT_DECIDE, C.ENQUIRY_ANALYSE)
@require_GET
def today(request):
    now = timezone.now()  # one "today" for the rows and their count
    return _queue(
        request,
        selectors.decided_today_queue(request.user, now=now),
        TODAY_SPEC,
        total=selectors.decided_today_count(request.user, now=now),
        title="Decided today",
        intro="Contacts decided today, with the outcome, the receiving team and whether the "
        "referrer has been told.",
    )


@capability_required(C.ENQUIRY_RESPOND)
@require_GET
def outcomes(request):
    """A partner agency's view of the outcomes of enquiries it answered: reference, outcome
    and date, so it can update its own records — nothing else about the child or family."""
    try:
        days = int(request.GET.get("period", ""))
    except ValueError:
        days = 0
    if days not in selectors.OUTCOME_PERIODS:
        days = next(iter(selectors.OUTCOME_PERIODS))
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    # Previous/next without a total: counting a year of an agency's answered enquiries joins
    # ~100,000 decisions (80 ms at a large authority), reading one page joins 26.
    start = (number - 1) * OUTCOMES_PAGE_SIZE
    rows = list(
        selectors.partner_outcomes(request.user, days=days)[start : start + OUTCOMES_PAGE_SIZE + 1]
    )
    return render(
        request,
        "decisions/outcomes.html",
        {
            "outcomes": rows[:OUTCOMES_PAGE_SIZE],
            "first": start + 1,
            "last": start + min(len(rows), OUTCOMES_PAGE_SIZE),
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if len(rows) > OUTCOMES_PAGE_SIZE else None,
            "period": days,
            "periods": selectors.OUTCOME_PERIODS.items(),
            "period_label": selectors.OUTCOME_PERIODS[days],
        },
    )
