"""Pages for restricted records: the break-glass form's answer, and the DPO's and practice
managers' list of restricted people with their named users."""

from uuid import UUID

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import AuditTarget, access_record, channel_from_request
from openmash.core.errors import DomainError
from openmash.people.models import Person

from . import selectors, services_restricted
from .forms_restricted import BreakGlassForm, GrantForm, LiftForm, RestrictForm
from .models import RestrictedAccessGrant


def _attach(form, error: DomainError) -> None:
    field = getattr(error, "field", "")
    form.add_error(field if field in form.fields else None, str(error))


@capability_required(C.CONTACT_VIEW, C.ENQUIRY_RESPOND)
@require_POST
def break_glass(request):
    """The reason given on the break-glass form: logged, reported, then back to the page.
    Partners give one too, to open an information request about a restricted person."""
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services_restricted.break_glass_open(
                request.user,
                data["people"],
                reason=data["reason"],
                channel=_channel_of(data["next"]) or channel_from_request(request),
            )
        except DomainError as error:
            _attach(form, error)
        else:
            return redirect(data["next"])
    return render(request, "governance/restricted/break_glass.html", {"form": form}, status=400)


def _channel_of(path: str) -> str:
    """The route name of the page being opened (never its path)."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def _uuid_or_none(value):
    try:
        return UUID(str(value))
    except ValueError:
        return None


_MANAGERS = (C.GOVERNANCE_MANAGE, C.CONTACT_DECIDE)


@capability_required(*_MANAGERS)
@require_http_methods(["GET", "POST"])
def restricted_list(request):
    """Restricted records in force, and the form to restrict another (by local person ID)."""
    form = RestrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = Person.unscoped.filter(local_id__iexact=data["local_id"].strip()).first()
        if person is None:
            form.add_error("local_id", "No one in the person index has this local person ID")
        else:
            try:
                restriction = services_restricted.person_restrict(
                    person,
                    actor=request.user,
                    reason=data["reason"],
                    named_users=data["named_users"],
                )
            except DomainError as error:
                _attach(form, error)
            else:
                messages.success(request, f"Record {person.local_id} is now restricted.")
                return redirect("governance:restriction_detail", pk=restriction.pk)
    restrictions = selectors.restrictions_in_force(request.user)
    return render(
        request,
        "governance/restricted/restricted_list.html",
        {
            "restrictions": restrictions,
            "form": form,
            "is_dpo": request.user.can(C.GOVERNANCE_MANAGE),
        },
    )


@capability_required(*_MANAGERS)
@require_http_methods(["GET", "POST"])
def restriction_detail(request, pk):
    """One restriction: its reason, the named users, break-glass accesses since, lifting."""
    user = request.user
    restriction = selectors.restriction_get_for_user(user, pk)
    named_ids = [g.user_id for g in restriction.grants]
    grant_form = GrantForm(exclude=named_ids)
    lift_form = LiftForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "grant":
                grant_form = GrantForm(request.POST, exclude=named_ids)
                if grant_form.is_valid():
                    services_restricted.restricted_access_grant(
                        restriction, actor=user, user=grant_form.cleaned_data["user"]
                    )
                    messages.success(request, "The user is now named on this record.")
                    return redirect("governance:restriction_detail", pk=pk)
            elif action == "revoke":
                grant = RestrictedAccessGrant.objects.filter(
                    pk=_uuid_or_none(request.POST.get("grant")), person_id=restriction.person_id
                ).first()
                if grant is None:
                    raise Http404("No such named user.")
                services_restricted.restricted_access_revoke(grant, actor=user)
                messages.success(request, "The user is no longer named on this record.")
                return redirect("governance:restriction_detail", pk=pk)
            elif action == "lift":
                lift_form = LiftForm(request.POST)
                if lift_form.is_valid():
                    services_restricted.person_restriction_lift(
                        restriction, actor=user, reason=lift_form.cleaned_data["lift_reason"]
                    )
                    messages.success(request, "The restriction has been lifted.")
                    return redirect("governance:restricted_list")
            else:
                raise Http404("Unknown action.")
        except DomainError as error:
            status = 400
            _attach(lift_form if action == "lift" else grant_form, error)
        if status == 200:
            status = 400  # a form came back with errors
    show_name = selectors.restricted_person_may_see_name(user, restriction)
    if show_name:  # the person's name is shown: a view of their record
        person = restriction.person
        access_record(
            user,
            AuditTarget("people.person", str(person.pk), f"Person {person.local_id}"),
            channel_from_request(request),
            person_id=person.pk,
        )
    return render(
        request,
        "governance/restricted/restriction_detail.html",
        {
            "restriction": restriction,
            "grant_form": grant_form,
            "lift_form": lift_form,
            "show_name": show_name,
            "active": restriction.lifted_at is None,
        },
        status=status,
    )
