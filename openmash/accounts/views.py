"""Administration of staff accounts, agencies and teams (capability ``staff.manage``).

Thin glue: forms check input shape, ``services`` apply the rules and write, ``selectors`` read.
A rule broken in a service comes back as an error on the form (or the confirmation page), so
every refusal is explained where the administrator is looking.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from openmash.api.selectors import api_token_for, api_tokens_of
from openmash.api.services import api_token_revoke

from . import selectors, services
from .forms import AgencyForm, StaffUserForm, TeamForm, UserFilterForm
from .models import Agency, Team, User
from .permissions import capability_required
from .roles import Capability as C
from .services import StaffRuleBroken

USERS_PER_PAGE = 25
#: Session key holding a generated password until the administrator's next page shows it.
ONE_TIME_PASSWORD_KEY = "accounts.one_time_password"  # noqa: S105 - a session key

staff_manager_required = capability_required(C.STAFF_MANAGE)


def _attach(form, error: StaffRuleBroken) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _get_user(pk) -> User:
    try:
        return selectors.user_for_admin(pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def _remember_password(request, user: User, password: str) -> None:
    request.session[ONE_TIME_PASSWORD_KEY] = {"user": str(user.pk), "password": password}


# --- users ---------------------------------------------------------------------------------

_SORT_COLUMNS = [
    ("name", "Name"),
    ("username", "Username"),
    ("agency", "Agency"),
    (None, "Roles"),
    ("last_login", "Last signed in"),
]


@staff_manager_required
@require_GET
def user_list(request):
    """Staff, 25 to a page, filtered and sorted by the query string (staff names only)."""
    filter_form = UserFilterForm(request.GET or None)
    filters = filter_form.filters()
    users = selectors.user_list(**filters)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))

    columns = []
    for key, label in _SORT_COLUMNS:
        if key is None:
            columns.append({"label": label})
            continue
        current = filters["sort"] == key
        descending = filters["descending"]
        columns.append(
            {
                "label": label,
                "key": key,
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
                "next_dir": "asc" if current and descending else ("desc" if current else "asc"),
            }
        )
    return render(
        request,
        "accounts/user_list.html",
        {
            "filter_form": filter_form,
            "filters": filters,
            "page": page,
            "columns": columns,
            "filtered": any(
                [filters["q"], filters["agency"], filters["role"], filters["status"] != "active"]
            ),
        },
    )


@staff_manager_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = StaffUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.user_create(actor=request.user, **form.service_kwargs())
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            if created.one_time_password:
                _remember_password(request, created.user, created.one_time_password)
            messages.success(request, f"User {created.user} created.")
            return redirect("accounts:user_detail", pk=created.user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@staff_manager_required
@require_GET
def user_detail(request, pk):
    user = _get_user(pk)
    one_time = request.session.get(ONE_TIME_PASSWORD_KEY)
    if one_time and one_time.get("user") == str(user.pk):
        # Shown once: removed from the session as soon as this page has it.
        del request.session[ONE_TIME_PASSWORD_KEY]
    else:
        one_time = None
    return render(
        request,
        "accounts/user_detail.html",
        {
            "staff_user": user,
            "security": selectors.user_sign_in_security(user),
            "history": selectors.history_for(user),
            "one_time_password": one_time["password"] if one_time else None,
            "is_self": user.pk == request.user.pk,
            "api_tokens": api_tokens_of(user),
        },
    )


@staff_manager_required
@require_http_methods(["GET", "POST"])
def user_api_token_revoke(request, pk, token_id):
    """Revoke one of a user's API tokens (a leaked token, someone leaving): confirm, then act."""
    user = _get_user(pk)
    token = api_token_for(request.user, token_id, owner=user)
    if request.method == "POST":
        api_token_revoke(token, actor=request.user)
        messages.success(request, f"{user}'s API token “{token.name}” has been revoked.")
        return redirect("accounts:user_detail", pk=user.pk)
    back = reverse("accounts:user_detail", kwargs={"pk": user.pk})
    return render(
        request, "api/token_revoke.html", {"token": token, "owner": user, "back_url": back}
    )


@staff_manager_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    user = _get_user(pk)
    form = StaffUserForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.user_update(actor=request.user, user=user, **form.service_kwargs())
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            if changed:
                messages.success(request, f"Changes to {user} saved.")
            else:
                messages.info(request, "You did not change anything.")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "staff_user": user})


@dataclass(frozen=True)
class UserAction:
    """A one-button action on a user, asked for on a confirmation page before it happens."""

    title: str
    explanation: str
    button: str
    warning: bool
    problem: object  # (actor, user) -> str | None
    perform: object  # (actor, user) -> str: the success message (or a password, see below)
    shows_password: bool = False


def _deactivate(actor, user):
    services.user_deactivate(actor=actor, user=user)
    return f"{user} has been deactivated. They can no longer sign in."


def _reactivate(actor, user):
    services.user_reactivate(actor=actor, user=user)
    return f"{user} has been reactivated and can sign in again."


def _reset_mfa(actor, user):
    removed = services.user_reset_mfa(actor=actor, user=user)
    return (
        f"Multi-factor authentication for {user} has been reset ({removed} authenticators "
        "removed). They will set it up again when they next sign in."
    )


def _unlock(actor, user):
    services.user_unlock(actor=actor, user=user)
    return f"Failed sign-ins for {user} cleared. They can try to sign in again now."


def _reset_password(actor, user):
    return services.user_reset_password(actor=actor, user=user)


def _no_problem(actor, user):
    return None


USER_ACTIONS = {
    "deactivate": UserAction(
        title="Deactivate {user}",
        explanation=(
            "They will be signed out and will not be able to sign in. Their account and its "
            "history are kept: accounts are never deleted, so every record they made still "
            "shows who made it. You can reactivate the account later."
        ),
        button="Deactivate account",
        warning=True,
        problem=lambda actor, user: services.user_deactivate_problem(actor=actor, user=user),
        perform=_deactivate,
    ),
    "reactivate": UserAction(
        title="Reactivate {user}",
        explanation=(
            "They will be able to sign in again with their existing password and roles. "
            "Check their roles and agency are still right first."
        ),
        button="Reactivate account",
        warning=False,
        problem=lambda actor, user: services.user_reactivate_problem(actor=actor, user=user),
        perform=_reactivate,
    ),
    "reset-mfa": UserAction(
        title="Reset multi-factor authentication for {user}",
        explanation=(
            "This removes their authenticator app, recovery codes and any security keys, and "
            "signs them out. At their next sign-in they must set up an authenticator app again. "
            "Only do this once you are sure who is asking, for example by calling them back on "
            "a number you already hold."
        ),
        button="Reset multi-factor authentication",
        warning=True,
        problem=lambda actor, user: services.user_reset_mfa_problem(actor=actor, user=user),
        perform=_reset_mfa,
    ),
    "unlock": UserAction(
        title="Clear failed sign-ins for {user}",
        explanation=(
            "After repeated failed sign-ins an account is locked for a while. Clearing the "
            "failed sign-ins lets them try again straight away. If you did not expect the "
            "failures, someone may be guessing their password: consider resetting it too."
        ),
        button="Clear failed sign-ins",
        warning=False,
        problem=_no_problem,
        perform=_unlock,
    ),
    "reset-password": UserAction(
        title="Set a new password for {user}",
        explanation=(
            "This replaces their password with a new one-time password, shown to you once on "
            "the next page, and signs them out everywhere. Give it to them in person or by "
            "phone, never by email."
        ),
        button="Set a new password",
        warning=True,
        problem=lambda actor, user: (
            "Change your own password from your account settings instead."
            if actor.pk == user.pk
            else None
        ),
        perform=_reset_password,
        shows_password=True,
    ),
}


@staff_manager_required
@require_http_methods(["GET", "POST"])
def user_action(request, pk, action):
    """Confirmation page (GET) and the action itself (POST) for deactivate, reactivate,
    reset MFA, unlock and password reset."""
    spec = USER_ACTIONS.get(action)
    if spec is None:
        raise Http404
    user = _get_user(pk)
    error = spec.problem(request.user, user)
    if request.method == "POST" and not error:
        try:
            outcome = spec.perform(request.user, user)
        except StaffRuleBroken as broken:
            error = broken.message
        else:
            if spec.shows_password:
                _remember_password(request, user, outcome)
                messages.success(request, f"A new one-time password has been set for {user}.")
            else:
                messages.success(request, outcome)
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_confirm.html",
        {
            "staff_user": user,
            "action": spec,
            "title": spec.title.format(user=user),
            "error": error,
            "submitted": request.method == "POST",
        },
        status=400 if request.method == "POST" and error else 200,
    )


# --- agencies and teams --------------------------------------------------------------------


@staff_manager_required
@require_GET
def agency_list(request):
    return render(request, "accounts/agency_list.html", {"agencies": selectors.agency_list()})


@staff_manager_required
@require_http_methods(["GET", "POST"])
def agency_create(request):
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, **form.cleaned_data)
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            messages.success(request, f"Agency {agency.name} created.")
            return redirect("accounts:agency_list")
    return render(request, "accounts/agency_form.html", {"form": form})


@staff_manager_required
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk):
    agency = get_object_or_404(Agency, pk=pk)
    form = AgencyForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            if changed:
                messages.success(request, f"Changes to {form.cleaned_data['name']} saved.")
            else:
                messages.info(request, "You did not change anything.")
            return redirect("accounts:agency_list")
    return render(
        request,
        "accounts/agency_form.html",
        {"form": form, "agency": agency, "history": selectors.history_for(agency)},
    )


@staff_manager_required
@require_GET
def team_list(request):
    return render(request, "accounts/team_list.html", {"teams": selectors.team_list()})


@staff_manager_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.cleaned_data)
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("accounts:team_list")
    return render(request, "accounts/team_form.html", {"form": form})


@staff_manager_required
@require_http_methods(["GET", "POST"])
def team_edit(request, pk):
    team = get_object_or_404(Team.objects.select_related("agency"), pk=pk)
    form = TeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.team_update(actor=request.user, team=team, **form.cleaned_data)
        except StaffRuleBroken as error:
            _attach(form, error)
        else:
            if changed:
                messages.success(request, f"Changes to {form.cleaned_data['name']} saved.")
            else:
                messages.info(request, "You did not change anything.")
            return redirect("accounts:team_list")
    return render(
        request,
        "accounts/team_form.html",
        {"form": form, "team": team, "history": selectors.history_for(team)},
    )
