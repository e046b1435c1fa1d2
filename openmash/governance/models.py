"""Information governance records. The Record of Sharing is written by every code path that
discloses personal data (``services.sharing_record``), in the same transaction."""

from django.conf import settings
from django.db import models

from openmash.core.models import BaseModel

from .codes import Article6, Article9, Article10, DisclosureKind, Purpose


class SharingRecord(BaseModel):
    """One disclosure: who shared what about whom with whom, when, why, on which basis.

    Append-only: corrections are new records, so the DPO's answer to "what did we share about
    this child?" never changes after the fact.
    """

    kind = models.CharField(max_length=24, choices=DisclosureKind.choices, db_index=True)
    shared_at = models.DateTimeField(db_index=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Free-text recipient for people outside the system (e.g. the referrer's email).
    to_description = models.CharField(max_length=250, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subjects = models.ManyToManyField("people.Person", blank=True, related_name="+")
    record_type = models.CharField(
        max_length=60, help_text="What was shared, e.g. 'information request response'"
    )
    record_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    special_category = models.BooleanField(default=False)
    criminal_offence = models.BooleanField(default=False)
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    article6 = models.CharField(max_length=6, choices=Article6.choices)
    article9 = models.CharField(max_length=6, choices=Article9.choices, blank=True)
    article10 = models.CharField(max_length=8, choices=Article10.choices, blank=True)
    consent_reference = models.CharField(
        max_length=120, blank=True, help_text="Consent given, override, or why not sought"
    )
    one_off = models.BooleanField(default=True, help_text="One-off (True) or repeat sharing")

    class Meta:
        indexes = [
            models.Index(fields=["from_agency", "shared_at"]),
            models.Index(fields=["to_agency", "shared_at"]),
            models.Index(fields=["article6", "shared_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(article6=""), name="sharing_requires_article6"
            ),
            models.CheckConstraint(
                condition=models.Q(special_category=False) | ~models.Q(article9=""),
                name="special_category_requires_article9",
            ),
            models.CheckConstraint(
                condition=models.Q(criminal_offence=False) | ~models.Q(article10=""),
                name="criminal_offence_requires_article10",
            ),
        ]
