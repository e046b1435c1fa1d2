"""API tokens for partner systems, and the idempotency keys of their writes.

``ApiToken`` is django-rest-knox's token model (``KNOX_TOKEN_MODEL``): knox stores only a
SHA-512 digest of the token and the first characters (``token_key``) to find it, so a copy of
the database gives nobody a working token. We add what people need to manage their tokens: a
name, a public id for URLs (the digest is never put in a URL), and when it was last used.

Lifecycle: created (shown once) → used until ``expiry`` → deleted when revoked by its owner or
an administrator, or by knox once it is found expired. Creation and revocation are audited.
"""

import uuid

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, help_text="What the token is for")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        # Never the digest or token key: this label goes into the audit log.
        return f"API token “{self.name}”"


class IdempotencyKey(models.Model):
    """A write that succeeded, kept so a retry with the same ``Idempotency-Key`` header gets
    the same answer instead of doing it twice. ``response_body`` holds ids, states and times
    only (never the text of an answer), so it adds no personal data to the database."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: SHA-256 of the method, route, object and body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self):
        return f"Idempotency key {self.pk}"
