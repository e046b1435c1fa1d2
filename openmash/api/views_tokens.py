"""The "API tokens" pages of a user's account: create a token (shown once), list, revoke.

Thin glue: form → ``services`` → page; ``selectors`` read. A new token's secret is rendered in
the answer to the POST itself, never put in the session or anywhere else: knox keeps only its
hash, and so do we."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C

from . import selectors, services
from .forms import ApiTokenForm


def _api_base_url(request) -> str:
    return request.build_absolute_uri(reverse("api:information-request-list")).rsplit(
        "information-requests/", 1
    )[0]


@capability_required(C.ENQUIRY_RESPOND)
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The user's tokens and the form to create one; a created token is shown once."""
    form = ApiTokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime"],
            )
        except services.TokenRuleBroken as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "tokens": selectors.api_tokens_of(request.user),
        "created": created,
        "secret": secret,
        "api_base": _api_base_url(request),
        "max_tokens": services.MAX_TOKENS_PER_USER,
        "now": timezone.now(),
    }
    return render(request, "api/token_list.html", context)


@capability_required(C.ENQUIRY_RESPOND)
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id):
    """Confirmation page (GET), then the revocation (POST)."""
    token = selectors.api_token_for(request.user, token_id)
    if request.method == "POST":
        services.api_token_revoke(token, actor=request.user)
        messages.success(request, f"The token “{token.name}” has been revoked.")
        return redirect("api_tokens:list")
    return render(
        request,
        "api/token_revoke.html",
        {"token": token, "back_url": reverse("api_tokens:list")},
    )
