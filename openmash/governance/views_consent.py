"""Pages for consent: a contact's consent history, recording a position (or a withdrawal),
proposing a consent override, the information-owning agency agreeing or declining it, and the
decision not to inform the family. Thin: form → service → redirect; selector → template."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.accounts.scopes import is_csc_staff
from openmash.audit.services import channel_from_request
from openmash.contacts import selectors as contact_selectors
from openmash.contacts.models import ContactPerson
from openmash.core.errors import ConflictError, DomainError

from . import selectors, services_consent
from .forms_consent import (
    ConsentRecordForm,
    NotInformForm,
    OverrideCancelForm,
    OverrideDecideForm,
    OverrideProposeForm,
)
from .models import OverrideStatus


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", "")
    form.add_error(field if field in form.fields else None, str(error))


def _contact(request, contact_id):
    """The contact, through the contacts selector: scoped, access logged, restricted records
    behind break-glass."""
    return contact_selectors.contact_get_for_user(
        request.user, contact_id, channel=channel_from_request(request)
    )


def _csc_only(request) -> None:
    if not is_csc_staff(request.user):
        raise Http404("No contact found.")


@capability_required(C.CONTACT_VIEW, C.GOVERNANCE_MANAGE)
@require_GET
def consent_detail(request, contact_id):
    """The consent position of a contact with its full history, the overrides and the "do not
    inform" decisions. The DPO reads it too (read-only) to review overrides, without the
    contact page itself."""
    user = request.user
    if user.can(C.CONTACT_VIEW):
        _csc_only(request)
        contact = _contact(request, contact_id)
        back = (
            reverse("contacts:detail", args=[contact.pk]),
            f"Back to contact {contact.reference}",
        )
    else:
        contact = selectors.consent_contact_get_for_dpo(
            user, contact_id, channel=channel_from_request(request)
        )
        back = (reverse("governance:dashboard"), "Back to the information governance dashboard")
    return render(
        request,
        "governance/consent/consent_detail.html",
        {
            "contact": contact,
            "back": back,
            "summary": selectors.consent_summary_for_user(user, contact),
        },
    )


@capability_required(*services_consent.CONSENT_RECORDERS)
@require_http_methods(["GET", "POST"])
def consent_record(request, contact_id):
    """Record consent given, refused, not sought or withdrawn — at any time."""
    _csc_only(request)
    contact = _contact(request, contact_id)
    people = ContactPerson.objects.for_user(request.user).filter(contact=contact)
    form = ConsentRecordForm(request.POST or None, people=people.order_by("created_at", "pk"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_consent.consent_record(contact, actor=request.user, **data)
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                f"Consent position recorded on {contact.reference}: "
                f"{contact.get_consent_status_display().lower()}.",
            )
            return redirect("governance:consent_detail", contact_id=contact.pk)
    return render(
        request,
        "governance/consent/consent_form.html",
        {"contact": contact, "form": form, "title": "Record consent"},
    )


@capability_required(*services_consent.OVERRIDE_PROPOSERS)
@require_http_methods(["GET", "POST"])
def override_propose(request, contact_id):
    """The practice manager proposes sharing one agency's information without consent."""
    _csc_only(request)
    contact = _contact(request, contact_id)
    form = OverrideProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            override = services_consent.consent_override_propose(
                contact,
                actor=request.user,
                agency=data["agency"],
                ground=data["ground"],
                rationale=data["rationale"],
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request,
                f"Override proposed. {override.agency.name}'s MASH representatives have been "
                "asked to agree it; requests to them can be sent once they have.",
            )
            return redirect("governance:consent_detail", contact_id=contact.pk)
    return render(
        request,
        "governance/consent/override_form.html",
        {
            "contact": contact,
            "form": form,
            "title": "Propose a consent override",
        },
    )


@capability_required(*services_consent.OVERRIDE_PROPOSERS)
@require_http_methods(["GET", "POST"])
def not_inform(request, contact_id):
    """The decision not to tell the child or family that information is being shared."""
    _csc_only(request)
    contact = _contact(request, contact_id)
    form = NotInformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_consent.not_inform_decision_record(
                contact, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(
                request, f"Decision recorded: the family will not be told ({contact.reference})."
            )
            return redirect("governance:consent_detail", contact_id=contact.pk)
    return render(
        request,
        "governance/consent/not_inform_form.html",
        {"contact": contact, "form": form, "title": "Decide not to tell the child or family"},
    )


@capability_required(C.ENQUIRY_RESPOND)
@require_GET
def override_queue(request):
    """A partner agency's consent overrides: those awaiting its answer first."""
    return render(
        request,
        "governance/consent/override_queue.html",
        {"overrides": list(selectors.overrides_for_agency(request.user)[:200])},
    )


def _decide_form(override, data=None):
    return OverrideDecideForm(data, initial={"version": override.version})


def _cancel_form(override, data=None):
    return OverrideCancelForm(data, initial={"version": override.version})


@capability_required(C.ENQUIRY_RESPOND, C.CONTACT_VIEW, C.GOVERNANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def override_detail(request, pk):
    """One override: the agency's representative agrees or declines it; the MASH may withdraw
    a proposal not yet answered; the DPO reads it (no form: a POST from them finds nothing to
    do). A GET is written to the access log."""
    user = request.user
    channel = channel_from_request(request) if request.method == "GET" else ""
    override = selectors.override_get_for_user(user, pk, channel=channel)
    is_proposed = override.status == OverrideStatus.PROPOSED
    may_decide = (
        is_proposed and user.can(C.ENQUIRY_RESPOND) and user.agency_id == override.agency_id
    )
    may_cancel = (
        is_proposed
        and any(user.can(c) for c in services_consent.OVERRIDE_PROPOSERS)
        and is_csc_staff(user)
    )
    decide_form = _decide_form(override) if may_decide else None
    cancel_form = _cancel_form(override) if may_cancel else None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide" and may_decide:
                decide_form = _decide_form(override, request.POST)
                if decide_form.is_valid():
                    data = decide_form.cleaned_data
                    if data["decision"] == "agree":
                        services_consent.consent_override_agree(
                            override,
                            actor=user,
                            note=data["note"],
                            expected_version=data["version"],
                        )
                        messages.success(request, "Your agency's agreement is recorded.")
                    else:
                        services_consent.consent_override_decline(
                            override,
                            actor=user,
                            note=data["note"],
                            expected_version=data["version"],
                        )
                        messages.success(request, "Your agency's answer is recorded.")
                    return redirect("governance:override_detail", pk=override.pk)
            elif action == "cancel" and may_cancel:
                cancel_form = _cancel_form(override, request.POST)
                if cancel_form.is_valid():
                    data = cancel_form.cleaned_data
                    services_consent.consent_override_cancel(
                        override, actor=user, note=data["note"], expected_version=data["version"]
                    )
                    messages.success(request, "The proposal has been withdrawn.")
                    return redirect("governance:consent_detail", contact_id=override.contact_id)
            else:
                raise Http404("Nothing to do here.")
        except ConflictError as error:
            status = 409
            form = decide_form if action == "decide" else cancel_form
            form.add_error(None, str(error))
            override = selectors.override_get_for_user(user, pk)  # show what it is now
        except DomainError as error:
            status = 400
            _attach(decide_form if action == "decide" else cancel_form, error)
    return render(
        request,
        "governance/consent/override_detail.html",
        {
            "override": override,
            "decide_form": decide_form,
            "cancel_form": cancel_form,
            "contact_url": (
                reverse("governance:consent_detail", args=[override.contact_id])
                if is_csc_staff(user) or user.can(C.GOVERNANCE_MANAGE)
                else ""
            ),
        },
        status=status,
    )
