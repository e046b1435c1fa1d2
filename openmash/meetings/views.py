"""Meetings pages: today's meetings, a meeting (agenda, attendance, staffing, outcomes), the
print and PDF agenda and minutes, availability and today's cover. Thin: form → service →
redirect; selector → template. Partners reach the same pages and see only their own agency's
items (the selectors scope them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import channel_from_request
from openmash.core.errors import ConflictError, DomainError
from openmash.enquiries.selectors import enquiry_for_contact
from openmash.timescales.services import current_calendar

from . import selectors, services
from .codes import AgendaRule, MeetingStatus
from .documents import meeting_document_filename, meeting_document_pdf
from .forms import (
    AttendanceForm,
    ItemAddForm,
    MeetingArrangeForm,
    NotesForm,
    OutcomeForm,
    UnavailabilityForm,
)
from .models import Attendance, Unavailability

ATTEND = (C.MEETING_ATTEND, C.MEETING_CHAIR)


def _can_chair(user) -> bool:
    """Chairs act on whole agendas, so only staff who see every item may chair."""
    return user.can(C.MEETING_CHAIR) and selectors.sees_every_item(user)


def _require_chair(user) -> None:
    if not _can_chair(user):
        raise PermissionDenied("Only the chair of the meeting may do this.")


def _attach(form, error: DomainError) -> None:
    """Put a service's message on the field it is about, or at the top of the form."""
    field = getattr(error, "field", "")
    form.add_error(field if field in form.fields else None, str(error))


def _meeting_url(meeting, anchor: str = "") -> str:
    return reverse("meetings:meeting_detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


# -- index and arranging ------------------------------------------------------------------------


@capability_required(*ATTEND)
@require_http_methods(["GET", "POST"])
def index(request):
    """Today's meetings and the last two weeks'. A chair can create today's meetings now
    (the daily job does it at 06:00)."""
    today = timezone.localdate()
    working_day = current_calendar().is_working_day(today)
    if request.method == "POST":
        _require_chair(request.user)
        if not working_day:
            messages.info(request, "Today is not a working day: no meetings are scheduled.")
        else:
            meetings = services.meetings_create_for_day(today, actor=request.user)
            messages.success(
                request, f"Today's {len(meetings)} meetings are ready, with their agendas."
            )
        return redirect("meetings:index")
    days = selectors.meetings_by_day(request.user, today=today)
    context = {
        "days": days,
        "today": today,
        "today_meetings": next((d.meetings for d in days if d.day == today), []),
        "working_day": working_day,
        "can_chair": _can_chair(request.user),
        "can_respond": request.user.can(C.ENQUIRY_RESPOND),
    }
    return render(request, "meetings/index.html", context)


@capability_required(C.MEETING_CHAIR)
@require_http_methods(["GET", "POST"])
def arrange(request):
    """Arrange a meeting that is not scheduled automatically (DAN triage, midwifery
    safeguarding) or an extra one."""
    _require_chair(request.user)
    services.meeting_types_ensure()
    form = MeetingArrangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_arrange(
                actor=request.user,
                meeting_type=data["meeting_type"],
                day=data["day"],
                starts_at=data["starts_at"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, f"{meeting.meeting_type.name} arranged.")
            return redirect(_meeting_url(meeting))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "meetings/arrange.html", {"form": form}, status=status)


# -- one meeting --------------------------------------------------------------------------------


def _render_meeting(request, meeting, *, status=200, errors=None, **forms):
    user = request.user
    can_chair = _can_chair(user) and meeting.is_open
    items = selectors.agenda_for_user(user, meeting, at=max(timezone.now(), meeting.starts_at))
    attendance = selectors.attendance_for_meeting(meeting)
    context = {
        "meeting": meeting,
        "items": items,
        "attendance": attendance,
        "partner_view": not selectors.sees_every_item(user),
        "can_chair": can_chair,
        "is_chair_role": _can_chair(user),
        "early_help_missing": selectors.early_help_attendance_missing(meeting, attendance),
        "expected_unrecorded": selectors.expected_agencies_unrecorded(meeting, attendance),
        "errors": errors or [],
        "in_progress": meeting.status == MeetingStatus.IN_PROGRESS,
        "is_huddle": meeting.meeting_type.agenda_rule == AgendaRule.HUDDLE,
    }
    if can_chair:
        context["notes_form"] = forms.get("notes_form") or NotesForm(
            initial={
                "staffing_notes": meeting.staffing_notes,
                "capacity_notes": meeting.capacity_notes,
                "version": meeting.version,
            }
        )
        context["attendance_form"] = forms.get("attendance_form") or AttendanceForm(
            staff=selectors.attendee_choices()
        )
        context["add_form"] = forms.get("add_form") or ItemAddForm()
        context["failed_form"] = next((f for f in forms.values() if f is not None), None)
    if context["partner_view"] is False and context["is_huddle"]:
        context["unavailable_agencies"] = selectors.unavailable_agency_list(
            at=max(timezone.now(), meeting.starts_at)
        )
    return render(request, "meetings/meeting_detail.html", context, status=status)


@capability_required(*ATTEND)
@require_GET
def meeting_detail(request, pk):
    return _render_meeting(request, selectors.meeting_get(pk))


def _page_error(error: DomainError, anchor: str) -> list[dict]:
    return [{"text": str(error), "href": f"#{anchor}"}]


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@capability_required(C.MEETING_CHAIR)
@require_POST
def meeting_start(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    try:
        services.meeting_start(meeting, actor=request.user, expected_version=_version(request))
    except DomainError as error:
        return _render_meeting(
            request, meeting, status=409, errors=_page_error(error, "meeting-actions")
        )
    messages.success(request, "The meeting has started. The agenda includes any new work.")
    return redirect(_meeting_url(meeting))


@capability_required(C.MEETING_CHAIR)
@require_POST
def meeting_close(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    try:
        services.meeting_close(meeting, actor=request.user, expected_version=_version(request))
    except DomainError as error:
        anchor = "attendance" if getattr(error, "field", "") == "agency" else "meeting-actions"
        status = 409 if isinstance(error, ConflictError) else 400
        return _render_meeting(request, meeting, status=status, errors=_page_error(error, anchor))
    messages.success(request, "The meeting is closed. The minutes are ready.")
    return redirect(_meeting_url(meeting))


@capability_required(C.MEETING_CHAIR)
@require_POST
def meeting_refresh(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    try:
        added = services.agenda_build(meeting, actor=request.user)
    except DomainError as error:
        return _render_meeting(request, meeting, status=400, errors=_page_error(error, "agenda"))
    messages.success(
        request,
        f"{added} new item{'s' if added != 1 else ''} added from the work queues."
        if added
        else "The agenda is up to date: nothing new in the work queues.",
    )
    return redirect(_meeting_url(meeting, "agenda"))


@capability_required(C.MEETING_CHAIR)
@require_POST
def meeting_notes(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    form = NotesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_notes_update(
                meeting,
                actor=request.user,
                expected_version=data["version"],
                staffing_notes=data["staffing_notes"],
                capacity_notes=data["capacity_notes"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, "Staffing and capacity saved.")
            return redirect(_meeting_url(meeting, "staffing"))
    return _render_meeting(request, meeting, status=400, notes_form=form)


@capability_required(C.MEETING_CHAIR)
@require_POST
def attendance_add(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    form = AttendanceForm(request.POST, staff=selectors.attendee_choices())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.attendance_record(
                meeting,
                actor=request.user,
                agency=data["agency"],
                attendee=data["attendee"],
                attendee_name=data["attendee_name"],
                role=data["role"],
                status=data["status"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, "Attendance recorded.")
            return redirect(_meeting_url(meeting, "attendance"))
    return _render_meeting(request, meeting, status=400, attendance_form=form)


@capability_required(C.MEETING_CHAIR)
@require_POST
def attendance_remove(request, pk, attendance_id):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    row = Attendance.objects.filter(meeting=meeting, pk=attendance_id).first()
    if row is None:
        raise Http404("No attendance found.")
    try:
        services.attendance_remove(row, actor=request.user)
    except DomainError as error:
        return _render_meeting(
            request, meeting, status=400, errors=_page_error(error, "attendance")
        )
    messages.success(request, "Attendance removed.")
    return redirect(_meeting_url(meeting, "attendance"))


# -- agenda items -------------------------------------------------------------------------------


@capability_required(C.MEETING_CHAIR)
@require_POST
def item_add(request, pk):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    form = ItemAddForm(request.POST)
    if form.is_valid():
        try:
            item = services.agenda_item_add(
                meeting,
                actor=request.user,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, f"{item.contact.reference} added to the agenda.")
            return redirect(_meeting_url(meeting, "agenda"))
    return _render_meeting(request, meeting, status=400, add_form=form)


@capability_required(C.MEETING_CHAIR)
@require_POST
def item_move(request, pk, item_id):
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    item = selectors.agenda_item_for_action(request.user, meeting, item_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _render_meeting(
            request,
            meeting,
            status=400,
            errors=[{"text": "Choose whether to move the item up or down.", "href": "#agenda"}],
        )
    try:
        services.agenda_item_move(item, actor=request.user, direction=direction)
    except DomainError as error:
        return _render_meeting(request, meeting, status=400, errors=_page_error(error, "agenda"))
    return redirect(_meeting_url(meeting, f"item-{item.pk}"))


@capability_required(C.MEETING_CHAIR)
@require_http_methods(["GET", "POST"])
def item_remove(request, pk, item_id):
    """Confirm, then take the item off the agenda."""
    _require_chair(request.user)
    meeting = selectors.meeting_get(pk)
    item = selectors.agenda_item_for_action(request.user, meeting, item_id)
    error = None
    if request.method == "POST":
        try:
            services.agenda_item_remove(item, actor=request.user)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, f"{item.contact.reference} taken off the agenda.")
            return redirect(_meeting_url(meeting, "agenda"))
    return render(
        request,
        "meetings/item_remove.html",
        {"meeting": meeting, "item": item, "error": error},
        status=400 if error else 200,
    )


@capability_required(*ATTEND)
@require_http_methods(["GET", "POST"])
def item_detail(request, pk, item_id):
    """One child's item: why it is on the agenda, and the outcome (recorded here by the chair
    while the meeting is in progress)."""
    meeting = selectors.meeting_get(pk)
    form = None
    status = 200
    can_record = _can_chair(request.user) and meeting.status == MeetingStatus.IN_PROGRESS
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("Outcomes are recorded by the chair while the meeting runs.")
        target = selectors.agenda_item_for_action(request.user, meeting, item_id)
        form = OutcomeForm(request.POST, agenda_rule=meeting.meeting_type.agenda_rule)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.outcome_record(
                    target,
                    actor=request.user,
                    expected_version=data["version"],
                    outcome_code=data["outcome_code"],
                    outcome=data["outcome"],
                    early_help_considered=data.get("early_help_considered", False),
                )
            except DomainError as error:
                # What the chair typed stays on the page; the hidden version is the one now
                # recorded (rendered from the item), so saving again is a deliberate choice.
                _attach(form, error)
                status = 409 if isinstance(error, ConflictError) else 400
            else:
                messages.success(request, f"Outcome recorded for {target.contact.reference}.")
                return redirect(_meeting_url(meeting, f"item-{target.pk}"))
        else:
            status = 400
    item = selectors.agenda_item_get_for_user(
        request.user, meeting, item_id, channel=channel_from_request(request)
    )
    if can_record and form is None:
        form = OutcomeForm(
            initial={
                "outcome_code": item.outcome_code,
                "outcome": item.outcome,
                "early_help_considered": item.early_help_considered,
                "version": item.version,
            },
            agenda_rule=meeting.meeting_type.agenda_rule,
        )
    sees_all = selectors.sees_every_item(request.user)
    context = {
        "meeting": meeting,
        "item": item,
        "form": form if can_record else None,
        "partner_view": not sees_all,
        "enquiry": enquiry_for_contact(request.user, item.contact) if sees_all else None,
    }
    return render(request, "meetings/item_detail.html", context, status=status)


# -- agenda and minutes -------------------------------------------------------------------------


def _document(request, pk, kind: str):
    meeting = selectors.meeting_get(pk)
    return selectors.meeting_document(
        request.user, meeting, kind, channel=channel_from_request(request)
    )


@capability_required(*ATTEND)
@require_GET
def agenda_print(request, pk):
    document = _document(request, pk, "agenda")
    return render(request, "meetings/document_print.html", {"doc": document})


@capability_required(*ATTEND)
@require_GET
def minutes_print(request, pk):
    document = _document(request, pk, "minutes")
    return render(request, "meetings/document_print.html", {"doc": document})


def _pdf_response(request, document) -> HttpResponse:
    pdf = meeting_document_pdf(document, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{meeting_document_filename(document)}"'
    )
    return response


@capability_required(*ATTEND)
@require_GET
def agenda_pdf(request, pk):
    return _pdf_response(request, _document(request, pk, "agenda"))


@capability_required(*ATTEND)
@require_GET
def minutes_pdf(request, pk):
    """The minutes as a PDF. A copy taken by a partner agency is a disclosure: it is written to
    the Record of Sharing before the file is sent."""
    document = _document(request, pk, "minutes")
    response = _pdf_response(request, document)
    services.minutes_download_record(document, actor=request.user)
    return response


# -- availability and cover ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def availability(request):
    """Your time away and who covers for you."""
    user = request.user
    today = timezone.localdate()
    colleagues = selectors.cover_colleagues(user)
    form = UnavailabilityForm(request.POST or None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.unavailability_record(
                actor=user,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                part_of_day=data["part_of_day"],
                reason=data["reason"],
                cover=data["cover"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, "Your time away is recorded.")
            return redirect("meetings:availability")
    context = {
        "form": form,
        "entries": selectors.own_unavailability(user, today=today),
        "covering": selectors.covering_for(user, today=today),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "meetings/availability.html", context, status=status)


@login_required
@require_POST
def availability_cancel(request, entry_id):
    entry = Unavailability.objects.filter(pk=entry_id, practitioner=request.user).first()
    if entry is None:
        raise Http404("No time away found.")
    services.unavailability_cancel(entry, actor=request.user)
    messages.success(request, "Your time away is cancelled.")
    return redirect("meetings:availability")


@capability_required(C.MEETING_CHAIR)
@require_GET
def coverage(request):
    """Today's coverage per agency: who is in, who is away, who covers."""
    _require_chair(request.user)
    now = timezone.now()
    rows = selectors.coverage_today(at=now)
    context = {
        "rows": rows,
        "now": now,
        "nobody_available": [r for r in rows if r.needs_attention],
    }
    return render(request, "meetings/coverage.html", context)
