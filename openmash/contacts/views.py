"""Pages of the front door for children's social care staff: record a contact, complete an
online submission, the contact page with screening, and the "to record" / "to screen" queues.
Thin: form → service → redirect; selector → template."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from openmash.accounts.models import Agency, Team
from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.accounts.scopes import is_csc_staff
from openmash.audit.services import channel_from_request
from openmash.core.errors import ConflictError, DomainError
from openmash.core.formats import record_url, when_short
from openmash.core.queues import (
    Column,
    QueueSpec,
    Sort,
    immediate_risk_filter,
    overdue_filter,
    queue_page,
    rag_order,
    record_markers,
)
from openmash.enquiries.response_cards import response_cards

from . import selectors, services
from .codes import Channel, Route, default_question, suggested_agency_codes
from .forms import (
    ContactDetailsForm,
    ContactNewForm,
    ScreeningForm,
    person_formset,
    person_initial,
    without_errors,
)
from .models import ContactStatus
from .page_rows import (
    contact_details,
    people_rows,
    referrer_details,
    screening_details,
    timeline_rows,
)
from .queue_cells import children_html


def _service_error(exc: DomainError, form, people=None) -> None:
    """Put a service's message next to the field it is about (or at the top)."""
    field = getattr(exc, "field", "")
    if field == "people" and people is not None:
        people._non_form_errors.append(str(exc))
    elif field == "received_at" and "received_date" in form.fields:
        form.add_error("received_date", str(exc))
    elif field in form.fields:
        form.add_error(field, str(exc))
    else:
        form.add_error(None, str(exc))


# -- recording --------------------------------------------------------------------------------


@capability_required(C.CONTACT_RECORD)
@require_http_methods(["GET", "POST"])
def contact_new(request):
    """Record a contact received by phone, secure email, police notification or out of hours.
    "Add another person" redraws the page with one more person and nothing lost."""
    if request.method == "GET":
        form, people = ContactNewForm(), person_formset()
        return _render_new(request, form, people)
    adding = "add_person" in request.POST
    form = ContactNewForm(request.POST)
    people = person_formset(request.POST, add_one=adding)
    if adding:
        without_errors(form, people)
        return _render_new(request, form, people)
    if form.is_valid() and people.is_valid():
        try:
            contact = services.contact_create(
                actor=request.user, people=people.person_inputs(), **form.service_kwargs()
            )
        except DomainError as exc:
            _service_error(exc, form, people)
        else:
            messages.success(
                request, f"Contact {contact.reference} recorded. It is ready to screen."
            )
            return redirect("contacts:detail", pk=contact.pk)
    return _render_new(request, form, people)


def _render_new(request, form, people):
    return render(
        request,
        "contacts/contact_new.html",
        {
            "form": form,
            "people": people,
            "queue_counts": selectors.contact_queue_counts(request.user),
        },
    )


@capability_required(C.CONTACT_RECORD)
@require_http_methods(["GET", "POST"])
def contact_complete(request, pk):
    """Complete (and correct) an online submission: ``submitted`` → ``recorded``."""
    if request.method == "GET":
        contact = selectors.contact_get_for_user(
            request.user, pk, channel=channel_from_request(request)
        )
        if contact.status != ContactStatus.SUBMITTED:
            messages.info(request, f"Contact {contact.reference} has already been recorded.")
            return redirect("contacts:detail", pk=contact.pk)
        form = ContactDetailsForm(initial=_details_initial(contact))
        people = person_formset(initial=person_initial(selectors.people_in_order(contact)))
        return _render_complete(request, contact, form, people)

    contact = selectors.contact_for_action(request.user, pk)
    adding = "add_person" in request.POST
    form = ContactDetailsForm(request.POST)
    people = person_formset(request.POST, add_one=adding)
    if adding:
        without_errors(form, people)
    elif form.is_valid() and people.is_valid():
        try:
            services.contact_record(
                contact,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                people=people.person_inputs(),
                **form.service_kwargs(),
            )
        except DomainError as exc:
            _service_error(exc, form, people)
        else:
            messages.success(
                request, f"Contact {contact.reference} recorded. It is ready to screen."
            )
            return redirect("contacts:detail", pk=contact.pk)
    contact = selectors.contact_get_for_user(
        request.user, pk, channel=channel_from_request(request)
    )
    return _render_complete(request, contact, form, people)


def _details_initial(contact) -> dict:
    return {
        "version": contact.version,
        "referrer_name": contact.referrer_name,
        "referrer_role": contact.referrer_role,
        "referrer_organisation": contact.referrer_organisation,
        "referrer_email": contact.referrer_email,
        "referrer_phone": contact.referrer_phone,
        "referrer_relationship": contact.referrer_relationship,
        "source": contact.source,
        "concerns": [c.category for c in contact.concerns.all()],
        "narrative": contact.narrative,
        "consent_status": contact.consent_status,
        "consent_reason": contact.consent_reason,
        "immediate_risk": contact.immediate_risk,
    }


def _render_complete(request, contact, form, people):
    return render(
        request,
        "contacts/contact_complete.html",
        {"contact": contact, "form": form, "people": people},
    )


# -- the contact page and screening -----------------------------------------------------------


def _screening_form(contact, data=None):
    concerns = [c.category for c in contact.concerns.all()]
    labels = [c.get_category_display() for c in contact.concerns.all()]
    agencies = Agency.objects.filter(
        active=True, receives_information_requests=True, is_childrens_social_care=False
    ).order_by("name")
    teams = Team.objects.filter(active=True, receives_handovers=True).order_by("name")
    return ScreeningForm(
        data,
        contact=contact,
        agencies=agencies,
        teams=teams,
        immediate_risk=contact.immediate_risk,
        default_question=default_question(labels),
        suggested=suggested_agency_codes(concerns),
    )


def _render_detail(request, contact, screening_form=None, status=200):
    """The contact page. Each part is read once: the enquiry, analysis and decision feed the
    timeline and their panels alike, and the optional parts (consent history, Art 18 banner,
    incorrect opinions, meetings) are read only when a query of flags said they have
    anything (``selectors.panel_flags``)."""
    from openmash.decisions.selectors import decision_panel_for_user

    user = request.user
    # A screening that failed (e.g. a conflict) is shown again with what was typed, even if
    # the contact has moved on meanwhile, so the message and the entry are not lost.
    can_screen = user.can(C.CONTACT_SCREEN) and (
        contact.status == ContactStatus.RECORDED or screening_form is not None
    )
    if can_screen and screening_form is None:
        screening_form = _screening_form(contact)
    episode = selectors.contact_episode(user, contact)
    now = timezone.now()
    # Partners' answers are for children's social care staff only (contact_episode gives
    # others the enquiry without them).
    enquiry = episode.enquiry if is_csc_staff(user) else None
    context = {
        "contact": contact,
        "people": people_rows(
            selectors.people_in_order(contact),
            can_link=user.can(C.CONTACT_RECORD) or user.can(C.CONTACT_SCREEN),
        ),
        "details": contact_details(contact),
        "referrer": referrer_details(contact),
        "screening": screening_details(contact) if contact.screened_at else "",
        "concerns": list(contact.concerns.all()),
        "timeline": timeline_rows(selectors.contact_timeline(user, contact, episode)),
        "panels": selectors.panel_flags(contact),
        "markers": record_markers(
            contact,
            due_field=None if contact.status == ContactStatus.DECIDED else "decision_due_at",
        ),
        "screening_form": screening_form if can_screen else None,
        "can_record": user.can(C.CONTACT_RECORD) and contact.status == ContactStatus.SUBMITTED,
        "enquiry": enquiry,
        "cards": response_cards(enquiry.visible_requests, now) if enquiry else [],
        "decision_panel": decision_panel_for_user(user, contact, episode),
        "route_mash_enquiry": Route.MASH_ENQUIRY,
    }
    return render(request, "contacts/contact_detail.html", context, status=status)


@capability_required(C.CONTACT_VIEW)
def contact_detail(request, pk):
    """Everything recorded on the contact, the people, the episode's timeline and (for a
    practice manager, while it waits) the screening form."""
    contact = selectors.contact_get_for_user(
        request.user, pk, channel=channel_from_request(request), panels=True, episode=True
    )
    return _render_detail(request, contact)


@capability_required(C.CONTACT_SCREEN)
@require_POST
def contact_screen(request, pk):
    contact = selectors.contact_for_action(request.user, pk)
    form = _screening_form(contact, request.POST)
    if form.is_valid():
        try:
            result = services.contact_screen(contact, actor=request.user, **form.service_kwargs())
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except DomainError as exc:
            _service_error(exc, form)
        else:
            if form.cleaned_data["route"] == Route.MASH_ENQUIRY:
                messages.success(
                    request,
                    f"Contact {contact.reference} screened: MASH enquiry opened and information "
                    "requested.",
                )
            else:
                messages.success(
                    request,
                    f"Contact {contact.reference} screened and decided: "
                    f"{result.get_outcome_display()}.",
                )
            return redirect("contacts:detail", pk=contact.pk)
    contact = selectors.contact_get_for_user(
        request.user, pk, channel=channel_from_request(request), panels=True, episode=True
    )
    return _render_detail(request, contact, screening_form=form)


# -- queues -----------------------------------------------------------------------------------

#: The contacts queues. Contacts waiting here are not yet RAG rated (screening rates them), so
#: they filter by immediate risk and timeliness; ``?sort=rag`` is accepted like in every queue.
CONTACT_SORTS = (
    Sort("due", "Due", ("decision_due_at",)),
    Sort("received", "Received", ("received_at",)),
    Sort("rag", "RAG rating", (rag_order(), "decision_due_at")),
)
CONTACT_COLUMNS = (
    Column("Reference"),
    Column("Children"),
    Column("Received", "received"),
    Column("Decision due", "due"),
    Column("Flags"),
)
CONTACT_FILTERS = (immediate_risk_filter(), overdue_filter("decision_due_at"))
_contact_url = record_url("contacts:detail")
#: ``get_channel_display()`` builds a dict of the choices on every call; 25 calls a page.
_CHANNEL_LABELS = dict(Channel.choices)


def _children_read(contacts, user) -> None:
    selectors.subject_children_attach(user, contacts)


#: One contact in a contacts queue (``QueueSpec.row_html``).
_CONTACT_ROW = (
    '<td class="govuk-table__cell"><a class="govuk-link" href="{href}">{reference}</a><br>'
    '<span class="govuk-body-s">{channel}</span></td>'
    '<td class="govuk-table__cell">{children}</td>'
    '<td class="govuk-table__cell">{received}</td>'
    '<td class="govuk-table__cell">{due}</td>'
    '<td class="govuk-table__cell">{tags}</td>'
)


def _contact_cells(contact) -> dict:
    """The values of ``_CONTACT_ROW`` for one contact."""
    return {
        "href": _contact_url(contact.pk),
        "reference": contact.reference,
        "channel": _CHANNEL_LABELS.get(contact.channel, contact.channel),
        "children": children_html(contact.children, with_birth=True),
        "received": when_short(contact.received_at),
        "due": when_short(contact.decision_due_at),
    }


QUEUES = {
    "to_record": {
        "status": ContactStatus.SUBMITTED,
        "spec": QueueSpec(
            sorts=CONTACT_SORTS,
            columns=CONTACT_COLUMNS,
            filters=CONTACT_FILTERS,
            cells=_contact_cells,
            row_html=_CONTACT_ROW,
            page_reads=_children_read,
            empty_message="There are no online referrals waiting to be recorded.",
        ),
        "title": "To record",
        "intro": "Referrals sent online, waiting for a referral and information officer to "
        "check and complete them.",
    },
    "to_screen": {
        "status": ContactStatus.RECORDED,
        "spec": QueueSpec(
            sorts=CONTACT_SORTS,
            columns=CONTACT_COLUMNS,
            filters=CONTACT_FILTERS,
            cells=_contact_cells,
            row_html=_CONTACT_ROW,
            page_reads=_children_read,
            empty_message="There are no contacts waiting to be screened.",
        ),
        "title": "To screen",
        "intro": "Recorded contacts waiting for a practice manager's screening: RAG rating, "
        "threshold level and route. Immediate risk first, then by when the decision is due.",
    },
}


def _queue(request, name):
    queue_def = QUEUES[name]
    queryset = selectors.contact_queue(request.user, queue_def["status"])
    counts = selectors.contact_queue_counts(request.user)
    queue = queue_page(request, queryset, queue_def["spec"], total=counts[queue_def["status"]])
    return render(
        request,
        "contacts/queue.html",
        {
            "queue": queue,
            "queue_name": name,
            "title": queue_def["title"],
            "intro": queue_def["intro"],
            "queue_counts": counts,
            "tabs": [
                {"name": key, "title": q["title"], "url": reverse(f"contacts:{key}")}
                for key, q in QUEUES.items()
            ],
        },
    )


@capability_required(C.CONTACT_VIEW)
def to_record(request):
    return _queue(request, "to_record")


@capability_required(C.CONTACT_VIEW)
def to_screen(request):
    return _queue(request, "to_screen")
