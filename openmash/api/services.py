"""Writes of API tokens: create (the secret is returned once and never stored) and revoke.
Both are audited in the same transaction."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from openmash.accounts.roles import Capability
from openmash.audit.models import AuditEntry
from openmash.audit.services import AuditTarget, audit_record
from openmash.core.errors import DomainError, NotPermitted

from .models import ApiToken

#: The lifetimes a user may choose, in days; the form offers them with 90 preselected.
TOKEN_LIFETIMES = (30, 90, 180)
DEFAULT_LIFETIME = 90
#: A person needs one token per system they connect, not dozens.
MAX_TOKENS_PER_USER = 10


class TokenRuleBroken(DomainError):
    """A token rule was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _target(token: ApiToken) -> AuditTarget:
    # By its public id: the digest identifies the secret and stays out of the log.
    return AuditTarget("api.apitoken", str(token.public_id), str(token))


def may_use_api(user) -> bool:
    """The API is for the people who answer information requests."""
    return user.can(Capability.ENQUIRY_RESPOND)


def api_token_create(*, actor, name: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """A token for ``actor``'s own use, valid for ``lifetime_days``. Returns the token and its
    secret, which exists only in this return value: show it once."""
    if not may_use_api(actor):
        raise NotPermitted("Your roles do not allow you to use the OpenMASH API.")
    name = (name or "").strip()
    if not name:
        raise TokenRuleBroken("Enter what the token is for.", "name")
    if lifetime_days not in TOKEN_LIFETIMES:
        raise TokenRuleBroken("Choose how long the token lasts.", "lifetime")
    with transaction.atomic():
        live = ApiToken.objects.filter(user=actor, expiry__gt=timezone.now()).count()
        if live >= MAX_TOKENS_PER_USER:
            raise TokenRuleBroken(
                f"You already have {live} tokens. Revoke one you no longer use first."
            )
        token, secret = ApiToken.objects.create(
            user=actor, expiry=timedelta(days=lifetime_days), name=name
        )
        audit_record(
            actor,
            AuditEntry.Verb.CREATED,
            _target(token),
            {"name": name, "owner": str(actor.pk), "expires_at": token.expiry.isoformat()},
        )
    return token, secret


def api_token_revoke(token: ApiToken, *, actor) -> None:
    """Revoke a token at once: by its owner, or by an administrator (a leaked token, someone
    leaving). The token is deleted; the audit entry keeps its name and dates."""
    if token.user_id != actor.pk and not actor.can(Capability.STAFF_MANAGE):
        raise NotPermitted("Only the token's owner or an administrator may revoke it.")
    with transaction.atomic():
        audit_record(
            actor,
            AuditEntry.Verb.DELETED,
            _target(token),
            {
                "name": token.name,
                "owner": str(token.user_id),
                "created_at": token.created.isoformat(),
                "expires_at": token.expiry.isoformat() if token.expiry else None,
            },
            reason="revoked",
        )
        ApiToken.objects.filter(pk=token.pk).delete()
