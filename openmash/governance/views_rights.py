"""The data protection officer's pages for data subject rights: the register, a request with
its action log, finding the person, the subject access export (redaction, release, PDF and
JSON), and rectification, erasure, restriction and opinions marked incorrect — each listing
the recipients told.

Thin glue: selector → template; form → service → redirect. Search terms for the person are
posted, never put in a URL. Every page that shows a person's information goes through a
selector that writes the access log.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import access_record, channel_from_request
from openmash.core.errors import ConflictError, DomainError
from openmash.core.queues import Column, Filter, QueueSpec, Sort, queue_page
from openmash.people.forms import PersonSearchForm

from . import selectors, services_rights
from .forms_rights import (
    ErasureForm,
    LiftRestrictionForm,
    NoteForm,
    OpinionForm,
    RectificationForm,
    RestrictionForm,
    RightsRequestForm,
    StatusForm,
)
from .models import (
    OPEN_RIGHTS_STATUSES,
    RightsRequestKind,
    RightsRequestStatus,
    SubjectAccessExportStatus,
)
from .services_rights import OPINION_FIELDS, RECTIFIABLE_FIELDS
from .subject_access import document_json, subject_access_pdf

# -- the register --------------------------------------------------------------------------


def _overdue_filter() -> Filter:
    def apply(qs, value, now):
        from django.utils import timezone

        today = timezone.localdate(now)
        if value == "overdue":
            return qs.filter(status__in=OPEN_RIGHTS_STATUSES, due_on__lt=today)
        return qs.exclude(status__in=OPEN_RIGHTS_STATUSES, due_on__lt=today)

    return Filter(
        key="due",
        label="Timeliness",
        choices=(("overdue", "Overdue"), ("in_time", "Not overdue")),
        apply=apply,
    )


def _status_filter() -> Filter:
    def apply(qs, value, now):
        if value == "open":
            return qs.filter(status__in=OPEN_RIGHTS_STATUSES)
        return qs.filter(status=value)

    return Filter(
        key="status",
        label="Status",
        choices=(("open", "Open (received or in progress)"), *RightsRequestStatus.choices),
        apply=apply,
    )


RIGHTS_QUEUE_SPEC = QueueSpec(
    sorts=(
        Sort("due", "Due", ("due_on", "received_on")),
        Sort("received", "Received", ("-received_on", "due_on")),
    ),
    columns=(
        Column("Reference"),
        Column("Right"),
        Column("Requested by"),
        Column("Received", sort_key="received"),
        Column("Due", sort_key="due"),
        Column("Status"),
    ),
    filters=(
        _status_filter(),
        Filter(
            key="kind",
            label="Right",
            choices=tuple(RightsRequestKind.choices),
            apply=lambda qs, value, now: qs.filter(kind=value),
        ),
        _overdue_filter(),
    ),
    default_sort="due",
    due_field=None,
    rag_field=None,
    risk_field=None,
    empty_message="No rights requests have been registered.",
)


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def rights_list(request):
    """The register: every request, soonest deadline first, filterable and paginated."""
    queue = queue_page(request, selectors.rights_request_queue(request.user), RIGHTS_QUEUE_SPEC)
    return render(request, "governance/rights/list.html", {"queue": queue})


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", "") or None
    form.add_error(field if field in form.fields else None, str(error))


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_new(request):
    form = RightsRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rights_request = services_rights.rights_request_register(actor=request.user, **data)
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                f"Request {rights_request.reference} registered: due by "
                f"{rights_request.due_on:%-d %B %Y}.",
            )
            return redirect("governance:rights_detail", pk=rights_request.pk)
    return render(request, "governance/rights/new.html", {"form": form})


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_detail(request, pk):
    """A request: its deadline, person, action log, exports, recipients told, and what can be
    done next. POST changes the status or adds a note to the log."""
    channel = channel_from_request(request)
    rights_request = selectors.rights_request_get_for_user(request.user, pk, channel=channel)
    status_form = StatusForm(
        initial={"version": rights_request.version},
        allowed=services_rights.rights_request_next_statuses(rights_request),
    )
    note_form = NoteForm(prefix="log")  # its "note" field must not clash with the status form's
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "status":
            status_form = StatusForm(
                request.POST, allowed=services_rights.rights_request_next_statuses(rights_request)
            )
            if status_form.is_valid():
                data = status_form.cleaned_data
                try:
                    updated = services_rights.rights_request_set_status(
                        rights_request,
                        actor=request.user,
                        status=data["status"],
                        note=data["note"],
                        expected_version=data["version"],
                    )
                except DomainError as error:
                    _attach(status_form, error)
                else:
                    messages.success(
                        request,
                        f"Request {updated.reference}: {updated.get_status_display().lower()}.",
                    )
                    return redirect("governance:rights_detail", pk=pk)
        elif action == "note":
            note_form = NoteForm(request.POST, prefix="log")
            if note_form.is_valid():
                services_rights.rights_request_add_note(
                    rights_request, actor=request.user, note=note_form.cleaned_data["note"]
                )
                messages.success(request, "Added to the action log.")
                return redirect("governance:rights_detail", pk=pk)
        else:
            raise Http404("Unknown action.")
    recipients = (
        selectors.recipients_for_person(rights_request.person) if rights_request.person else []
    )
    lift_form = LiftRestrictionForm()
    for form in (status_form, note_form, lift_form):
        _inline(form)
    return render(
        request,
        "governance/rights/detail.html",
        {
            "rights_request": rights_request,
            "status_form": status_form,
            "note_form": note_form,
            "recipients": recipients,
            "kinds": RightsRequestKind,
            "lift_form": lift_form,
        },
        status=400 if status_form.errors or note_form.errors else 200,
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_person(request, pk):
    """Find the person the request is about: search the whole person index (posted terms),
    then choose one."""
    rights_request = selectors.rights_request_get_for_user(request.user, pk)
    form = PersonSearchForm()
    matches = None
    error = ""
    if request.method == "POST":
        if "choose_person" in request.POST:
            try:
                person = selectors.rights_person_get(request.user, request.POST["choose_person"])
            except (Http404, ValueError, DomainError):
                raise Http404("No such person.") from None
            try:
                services_rights.rights_request_identify_person(
                    rights_request,
                    person,
                    actor=request.user,
                    expected_version=_int(request.POST.get("version")),
                )
            except DomainError as problem:
                error = str(problem)
            else:
                messages.success(
                    request, f"The request is about {person.full_name} ({person.local_id})."
                )
                return redirect("governance:rights_detail", pk=pk)
        else:
            form = PersonSearchForm(request.POST)
            if form.is_valid():
                matches = selectors.rights_person_candidates(request.user, form.query())
    return render(
        request,
        "governance/rights/person.html",
        {"rights_request": rights_request, "form": form, "matches": matches, "error": error},
        status=400 if (form.errors or error) else 200,
    )


def _inline(form) -> None:
    """The page writes the <form> tag (with the hidden action and the token) around it."""
    form.helper.form_tag = False
    form.helper.disable_csrf = True


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- subject access -----------------------------------------------------------------------


@capability_required(C.GOVERNANCE_MANAGE)
@require_POST
def rights_export_prepare(request, pk):
    rights_request = selectors.rights_request_get_for_user(request.user, pk)
    try:
        export = services_rights.subject_access_prepare(rights_request, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("governance:rights_detail", pk=pk)
    return redirect("governance:rights_export", pk=export.pk)


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_export(request, pk):
    """The redaction step and release. Every item of third-party information is listed with a
    box to tick; the preview below shows the export as it would be released."""
    export = selectors.subject_access_export_get_for_user(request.user, pk)
    errors: list[str] = []
    if request.method == "POST" and export.status == SubjectAccessExportStatus.PREPARED:
        version = _int(request.POST.get("version"))
        try:
            if "release" in request.POST:
                services_rights.subject_access_release(
                    export, actor=request.user, expected_version=version
                )
                messages.success(
                    request,
                    "Released. The disclosure is on the Record of Sharing; download the PDF "
                    "for the person and the JSON file below.",
                )
            else:
                services_rights.subject_access_redactions_save(
                    export,
                    actor=request.user,
                    shown_keys=request.POST.getlist("shown"),
                    redacted_keys=request.POST.getlist("redact"),
                    expected_version=version,
                )
                messages.success(
                    request, "Your choices are saved. Check the preview, then release it."
                )
        except ConflictError as error:
            errors.append(str(error))
        except DomainError as error:
            errors.append(str(error))
        else:
            return redirect("governance:rights_export", pk=pk)
        export = selectors.subject_access_export_get_for_user(request.user, pk)
    context = {"export": export, "rights_request": export.rights_request, "errors": errors}
    if export.status == SubjectAccessExportStatus.RELEASED:
        context["document"] = export.document
    else:
        preview = selectors.subject_access_preview(
            request.user, export, channel=channel_from_request(request)
        )
        context.update(
            document=preview.document,
            groups=preview.groups,
            redacted=set(export.redacted_keys),
            reviewed=export.redactions_saved_at is not None,
        )
    return render(request, "governance/rights/export.html", context, status=400 if errors else 200)


def _released(request, pk):
    export = selectors.subject_access_export_get_for_user(request.user, pk)
    if export.status != SubjectAccessExportStatus.RELEASED:
        raise Http404("This export has not been released.")
    rights_request = export.rights_request
    access_record(
        request.user,
        export,
        channel_from_request(request),
        person_id=rights_request.person_id,
        verb="downloaded",
    )
    return export, rights_request


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def rights_export_pdf(request, pk):
    export, rights_request = _released(request, pk)
    response = HttpResponse(subject_access_pdf(export.document), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{rights_request.reference}.pdf"'
    )
    return response


@capability_required(C.GOVERNANCE_MANAGE)
@require_GET
def rights_export_json(request, pk):
    export, rights_request = _released(request, pk)
    response = HttpResponse(
        document_json(export.document), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{rights_request.reference}.json"'
    )
    return response


# -- rectification, erasure, restriction, opinions ---------------------------------------------


def _action_page(request, pk, *, title, form_class, template, service, fields=None, success):
    """One page per action on a request: GET shows the form, POST calls the service."""
    channel = channel_from_request(request)
    rights_request = selectors.rights_request_get_for_user(request.user, pk, channel=channel)
    items = selectors.rights_record_items(request.user, rights_request, fields) if fields else None
    extra = {"items": items} if fields else {}
    if request.method == "POST":
        form = form_class(request.POST, **extra)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                result = service(rights_request, request.user, data, version)
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, success(result))
                return redirect("governance:rights_detail", pk=pk)
    else:
        form = form_class(initial={"version": rights_request.version}, **extra)
    context = {
        "title": title,
        "rights_request": rights_request,
        "form": form,
        "recipients": selectors.recipients_for_person(rights_request.person)
        if rights_request.person
        else [],
    }
    if template.endswith("erase.html"):
        context["assessment"] = selectors.rights_erasure_assessment(request.user, rights_request)
    return render(request, template, context, status=400 if form.errors else 200)


def _told(notifications) -> str:
    count = len(notifications)
    return f"{count} recipient{'s' if count != 1 else ''} on the Record of Sharing to be told."


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_rectify(request, pk):
    def service(rights_request, user, data, version):
        return services_rights.rectification_apply(
            rights_request,
            actor=user,
            item_key=data["item"],
            new_value=data["new_value"],
            reason=data["reason"],
            expected_version=version,
        )

    return _action_page(
        request,
        pk,
        form_class=RectificationForm,
        title="Correct a detail",
        template="governance/rights/rectify.html",
        service=service,
        fields=RECTIFIABLE_FIELDS,
        success=lambda notifications: "Corrected. " + _told(notifications),
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_erase(request, pk):
    def service(rights_request, user, data, version):
        return services_rights.erasure_decide(
            rights_request,
            actor=user,
            erase=data["decision"] == "erase",
            rationale=data["rationale"],
            expected_version=version,
        )

    return _action_page(
        request,
        pk,
        form_class=ErasureForm,
        title="Decide on erasure",
        template="governance/rights/erase.html",
        service=service,
        success=lambda notifications: (
            "Erased. " + _told(notifications) if notifications else "Decision recorded."
        ),
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_restrict(request, pk):
    def service(rights_request, user, data, version):
        return services_rights.restriction_apply(
            rights_request,
            actor=user,
            ground=data["ground"],
            note=data["note"],
            expected_version=version,
        )

    return _action_page(
        request,
        pk,
        form_class=RestrictionForm,
        title="Restrict processing",
        template="governance/rights/restrict.html",
        service=service,
        success=lambda restriction: "Processing restricted. The recipients are listed below.",
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_opinion(request, pk):
    def service(rights_request, user, data, version):
        return services_rights.opinion_mark_incorrect(
            rights_request,
            actor=user,
            item_key=data["item"],
            note=data["note"],
            delete=data["delete"],
            deletion_reason=data["deletion_reason"],
            expected_version=version,
        )

    return _action_page(
        request,
        pk,
        form_class=OpinionForm,
        title="Mark an opinion as incorrect",
        template="governance/rights/opinion.html",
        service=service,
        fields=OPINION_FIELDS,
        success=lambda flag: (
            "The opinion is deleted and the decision recorded."
            if flag.deleted
            else "The opinion is marked incorrect wherever it is shown."
        ),
    )


@capability_required(C.GOVERNANCE_MANAGE)
@require_POST
def rights_restriction_lift(request, pk):
    rights_request = selectors.rights_request_get_for_user(request.user, pk)
    restriction = rights_request.processing_restriction
    if restriction is None:
        raise Http404("No restriction in force.")
    form = LiftRestrictionForm(request.POST)
    if form.is_valid():
        services_rights.restriction_lift(
            restriction, actor=request.user, note=form.cleaned_data["lift_note"]
        )
        messages.success(request, "The restriction of processing is lifted.")
    else:
        messages.error(request, "Enter why the restriction is lifted.")
    return redirect("governance:rights_detail", pk=pk)


@capability_required(C.GOVERNANCE_MANAGE)
@require_POST
def rights_notification(request, pk):
    """Mark a recipient told (another way than email) or their acknowledgement received."""
    notification = selectors.recipient_notification_get_for_user(request.user, pk)
    note = request.POST.get("note", "")
    if request.POST.get("action") == "acknowledged":
        services_rights.recipient_notification_acknowledge(
            notification, actor=request.user, note=note
        )
        messages.success(request, "Acknowledgement recorded.")
    else:
        services_rights.recipient_notification_mark_sent(
            notification, actor=request.user, note=note
        )
        messages.success(request, "Recorded as told.")
    if notification.rights_request_id:
        return redirect("governance:rights_detail", pk=notification.rights_request_id)
    return redirect("governance:rights_list")
