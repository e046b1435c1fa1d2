"""``Idempotency-Key`` for the API's writes: a retried POST (the network dropped the answer)
gets the first answer again instead of recording the response twice.

Only a successful write is remembered, with the user, the key and a fingerprint of what was
asked; the same key with a different request is refused (422). Keys are kept for
``KEY_LIFETIME``; after that a key may be used again."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .exceptions import IdempotencyKeyReused
from .models import IdempotencyKey

KEY_LIFETIME = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict
    replayed: bool = False


def fingerprint(*parts) -> str:
    """SHA-256 of the request's parts (method, route, object, validated body)."""
    text = json.dumps(parts, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(user, key: str, print_: str) -> Outcome | None:
    row = IdempotencyKey.objects.filter(
        user=user, key=key, created_at__gte=timezone.now() - KEY_LIFETIME
    ).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise IdempotencyKeyReused(
            f"This {HEADER} was already used for a different request. Use a new key for each "
            "new request, and the same key only to retry the same request."
        )
    return Outcome(row.status_code, row.response_body, replayed=True)


def idempotent(
    user, key: str | None, print_: str, perform: Callable[[], Outcome], *, retry_on: tuple = ()
) -> Outcome:
    """Run ``perform`` once per (user, key): a repeat returns the stored outcome. The outcome
    is stored in the same transaction as the write, so a write is never without its key.

    ``retry_on``: exceptions ``perform`` raises when a concurrent request with the same key
    wrote first (the service's "already answered"); the stored outcome is returned then."""
    if not key:
        return perform()
    stored = _stored(user, key, print_)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            outcome = perform()
            IdempotencyKey.objects.filter(
                user=user, key=key, created_at__lt=timezone.now() - KEY_LIFETIME
            ).delete()
            IdempotencyKey.objects.create(
                user=user,
                key=key,
                fingerprint=print_,
                status_code=outcome.status_code,
                response_body=outcome.body,
            )
    except retry_on:
        stored = _stored(user, key, print_)
        if stored is None:
            raise
        return stored
    return outcome


def idempotency_keys_prune(now=None) -> int:
    """Delete the keys older than ``KEY_LIFETIME`` (they can no longer be replayed), so the
    table holds about a day of writes however many clients never reuse a key. Run hourly by
    the task queue; returns how many were deleted."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
