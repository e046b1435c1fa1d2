"""The audit log: one append-only, hash-chained table of changes to records and views of them.

Design and its trade-offs: docs/decisions/0001-audit-design.md and 0008 (views staged in
``PendingAccess`` until sealed). Write only through ``services.audit_record`` /
``services.access_record`` (which chain each change to the one before, and stage each view for
``services.seal_pending`` to chain); read through ``selectors``. Existing rows cannot be changed
or removed through the ORM; on PostgreSQL a trigger also refuses UPDATE and DELETE, so changing
the log takes deliberate tampering, which ``chain.verify_chain`` then detects.
"""

from django.conf import settings
from django.db import models

#: ``prev_hash`` of the first entry in the chain.
GENESIS_HASH = "0" * 64


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes and removals with the model's own messages."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly(self.model.refused_change)

    def delete(self):
        raise AuditLogIsAppendOnly(self.model.refused_removal)


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it raises."""

    refused_change = "Audit entries cannot be changed."
    refused_removal = "Audit entries cannot be deleted."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly(self.refused_change)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(self.refused_removal)


class AuditEntry(AppendOnly):
    """One link in the audit chain.

    * ``CHANGE``: a record was created, changed, moved to a new state, shared, exported…;
      ``payload["changes"]`` holds ``{field: {"old": …, "new": …}}``.
    * ``ACCESS``: somebody saw a record about a person (``person_id``), through ``channel``
      (a URL or API route name, never a raw path or query string), with a ``reason`` when they
      used break-glass access.

    ``sequence`` is allocated under a lock on ``AuditChainHead`` so it has no gaps: a missing
    number means a deleted entry. ``entry_hash`` is SHA-256 over the canonical JSON of every
    other field, ``prev_hash`` included (see ``chain.entry_hash_for``).
    """

    class Kind(models.TextChoices):
        CHANGE = "change", "Change to a record"
        ACCESS = "access", "View of a record"

    class Verb(models.TextChoices):
        """What happened. Stored without DB-level choices, so adding a verb needs no migration."""

        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"
        TRANSITIONED = "transitioned", "Moved to a new state"
        SHARED = "shared", "Shared"
        EXPORTED = "exported", "Exported"
        VIEWED = "viewed", "Viewed"
        DOWNLOADED = "downloaded", "Downloaded"

    sequence = models.BigIntegerField(primary_key=True, editable=False)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # covered by the (actor, occurred_at) index
        help_text="Empty for changes made by the system (jobs, imports).",
    )
    #: The actor's agency code at the time, so the entry stays meaningful if they move agency.
    actor_agency = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    verb = models.CharField(max_length=40)
    #: ``app_label.modelname`` of the record; a string, not a ContentType foreign key, so the
    #: log outlives a model being renamed or removed.
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    #: The person whose information this entry is about, so the DPO can ask
    #: "who looked at (or changed) this child's record?"
    person_id = models.UUIDField(null=True, blank=True)
    channel = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["person_id", "occurred_at"], name="audit_person_when"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_when"),
            models.Index(fields=["occurred_at"], name="audit_when"),
            models.Index(fields=["target_type", "target_id", "sequence"], name="audit_target"),
        ]

    def __str__(self):
        return f"#{self.sequence} {self.verb} {self.target_type} {self.target_id}"

    @property
    def verb_label(self) -> str:
        try:
            return self.Verb(self.verb).label
        except ValueError:
            return self.verb.replace("_", " ").capitalize()

    @property
    def changes(self) -> dict:
        changes = self.payload.get("changes") if isinstance(self.payload, dict) else None
        return changes if isinstance(changes, dict) else {}


class AuditChainHead(models.Model):
    """The single row holding the end of the chain.

    Writers lock it (``SELECT … FOR UPDATE``) to allocate the next sequence number and read the
    previous hash, which serialises appends to the chain. It also lets verification notice entries
    removed from the end of the chain, which the links alone cannot show.
    """

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK)
    sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self):
        return f"Audit chain head at #{self.sequence}"


class PendingAccess(AppendOnly):
    """A view of a record, staged until ``services.seal_pending`` chains it (ADR 0008).

    ``services.access_record`` writes one of these with a single INSERT — no chain lock, no read
    — in whatever transaction the page is in, so page views do not queue on ``AuditChainHead``.
    The sealer moves rows, in ``id`` order, into the chain as ordinary ACCESS ``AuditEntry`` rows
    keeping ``occurred_at`` and every other field, and deletes them in the same transaction.
    Append-only like ``AuditEntry``: the ORM refuses update and delete, and on PostgreSQL a
    trigger refuses UPDATE, and DELETE outside a sealing transaction.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # Read only by the sealer, in id order: an index would only slow the page's INSERT.
        db_index=False,
    )
    actor_agency = models.CharField(max_length=40, blank=True)
    verb = models.CharField(max_length=40)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    person_id = models.UUIDField(null=True, blank=True)
    channel = models.CharField(max_length=200)
    reason = models.TextField(blank=True)

    refused_change = "Pending access entries cannot be changed."
    refused_removal = (
        "Pending access entries leave only by being sealed into the chain (seal_pending)."
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "pending access entries"

    def __str__(self):
        return f"pending {self.verb} {self.target_type} {self.target_id}"
