"""Reads of API tokens (never their digests): a user's own, or any user's for administrators."""

from django.db.models import QuerySet
from django.http import Http404

from openmash.accounts.roles import Capability

from .models import ApiToken

_SHOWN = ("public_id", "name", "created", "expiry", "last_used_at", "user_id")


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """``user``'s tokens, newest first (expired ones until knox clears them on next use)."""
    return ApiToken.objects.filter(user=user).only(*_SHOWN).order_by("-created")


def api_token_for(actor, public_id, *, owner=None) -> ApiToken:
    """One token to revoke: the actor's own, or (administrators) ``owner``'s. Not found
    otherwise, so nobody learns whether another person's token exists."""
    owner = owner or actor
    if owner.pk != actor.pk and not actor.can(Capability.STAFF_MANAGE):
        raise Http404("No such API token.")
    token = ApiToken.objects.filter(user=owner, public_id=public_id).first()
    if token is None:
        raise Http404("No such API token.")
    return token
