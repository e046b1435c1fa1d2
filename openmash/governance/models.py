"""Information governance records. The Record of Sharing is written by every code path that
discloses personal data (``services.sharing_record``), in the same transaction."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from openmash.contacts.codes import ConsentStatus
from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

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


# -- consent and override (protocol, "Consent") ------------------------------------------------


class OverrideGround(models.TextChoices):
    """Why sharing without consent is justified in the public interest (protocol, "Consent")."""

    SIGNIFICANT_HARM = (
        "significant_harm",
        "Evidence or reasonable cause to believe a child is suffering, or is at risk of "
        "suffering, significant harm",
    )
    SERIOUS_CRIME = (
        "serious_crime",
        "To prevent significant harm to a child, including through the prevention, detection "
        "and prosecution of serious crime",
    )
    UNJUSTIFIED_DELAY = (
        "unjustified_delay",
        "Seeking or waiting for consent would lead to an unjustified delay in making enquiries "
        "about allegations of significant harm",
    )


class NotInformGround(models.TextChoices):
    """When the child or family need not be told that information will be shared."""

    INCREASED_RISK = (
        "increased_risk",
        "Telling them would place a person at increased risk of significant harm",
    )
    PREJUDICE_CRIME = (
        "prejudice_crime",
        "Telling them would prejudice the prevention, detection or prosecution of a serious crime",
    )
    UNJUSTIFIED_DELAY = (
        "unjustified_delay",
        "Telling them would lead to an unjustified delay in making enquiries about allegations "
        "of significant harm to a child",
    )


class ConsentRecord(BaseModel):
    """One statement of consent to share information about a contact: given, refused, not
    sought (with the reason) or withdrawn, by whom it was recorded and what the person was told.

    Append-only: a withdrawal or a change of mind is a new record, so the history of the
    consent position is never lost. ``contact_person`` names whose position it is (a parent,
    or a child able to consent); empty means the family as a whole, as the referrer reported it.
    The contact's current position is derived from these (``services_consent``) and copied to
    ``Contact.consent_status`` / ``consent_reason``.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    contact_person = models.ForeignKey(
        "contacts.ContactPerson",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose consent; empty for the family as a whole",
    )
    status = models.CharField(max_length=12, choices=ConsentStatus.choices)
    reason = models.TextField(
        blank=True, help_text="Why consent was not sought; any note on a refusal or withdrawal"
    )
    told_purpose = models.TextField(blank=True, help_text="What they were told about why")
    told_recipients = models.TextField(
        blank=True, help_text="Who they were told it may be shared with, and how"
    )
    told_retention = models.TextField(
        blank=True, help_text="How long they were told it will be kept, and in what form"
    )
    told_can_withdraw = models.BooleanField(default=False)
    told_may_share_without_consent = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["contact", "recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ConsentStatus.NOT_SOUGHT) | ~models.Q(reason=""),
                name="consent_not_sought_requires_reason",
            ),
        ]

    def __str__(self):
        return f"Consent record {self.pk}"

    @property
    def audit_person_id(self):
        if self.contact_person_id is None:
            return None
        return self.contact_person.person_id


class OverrideStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed – awaiting the agency's agreement"
    AGREED = "agreed", "Agreed"
    DECLINED = "declined", "Not agreed by the agency"
    CANCELLED = "cancelled", "Withdrawn by the MASH"


class ConsentOverride(BaseModel):
    """A decision to share information without consent, on one of the protocol's grounds.

    Lifecycle: ``proposed`` (by the SPA/MASH practice manager) → ``agreed`` or ``declined``
    (by a representative of the agency that owns the information — a second, different person)
    or ``cancelled`` (by the MASH before the agency answers). Only an agreed override lets
    information requests to that agency go out while consent is refused or withdrawn.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency that owns the information to be shared",
    )
    ground = models.CharField(max_length=20, choices=OverrideGround.choices)
    rationale = models.TextField()
    status = models.CharField(
        max_length=10, choices=OverrideStatus.choices, default=OverrideStatus.PROPOSED
    )
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [
            models.Index(fields=["contact", "status"]),
            models.Index(fields=["agency", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(rationale=""), name="override_rationale"),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "cancelled"])
                | (models.Q(decided_by__isnull=False) & models.Q(decided_at__isnull=False)),
                name="override_decision_recorded",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("proposed_by")),
                name="override_two_people",
            ),
            models.UniqueConstraint(
                fields=["contact", "agency"],
                condition=models.Q(status__in=["proposed", "agreed"]),
                name="override_one_live_per_agency",
            ),
        ]

    def __str__(self):
        return f"Consent override {self.pk}"


class NotInformDecision(BaseModel):
    """A decision not to tell the child or family that their information will be shared, on
    one of the protocol's three grounds. Separate from the override: consent can be overridden
    and the family still told."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(max_length=20, choices=NotInformGround.choices)
    rationale = models.TextField()
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        constraints = [
            models.CheckConstraint(condition=~models.Q(rationale=""), name="not_inform_rationale")
        ]

    def __str__(self):
        return f"Decision not to inform {self.pk}"


# -- restricted records and break-glass access ------------------------------------------------


class PersonRestriction(BaseModel):
    """A person's record is restricted (e.g. a staff member's relative): only the named users
    (``RestrictedAccessGrant``) open it; anyone else gives a reason first (``BreakGlassAccess``).
    ``people.Person.restricted`` mirrors whether a restriction is in force, for cheap checks.
    Lifting keeps the row (``lifted_at``), so the history of restrictions stays visible."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    restricted_at = models.DateTimeField()
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_restriction_in_force_per_person",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="restriction_reason"),
        ]

    def __str__(self):
        return f"Restriction {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id


class RestrictedAccessGrant(BaseModel):
    """A user named as allowed to open a restricted person's record without a reason."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_grant_per_user",
            )
        ]
        indexes = [models.Index(fields=["user", "person"])]

    def __str__(self):
        return f"Named access {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id


class BreakGlassAccess(BaseModel):
    """Someone not named on a restricted record opened it, giving ``reason``. The reason opens
    the record for ``expires_at`` - ``accessed_at`` (every view in that window is logged with
    it) and is reported to the data protection officer, who marks it reviewed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    channel = models.CharField(max_length=200, help_text="The page (route name) being opened")
    accessed_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["user", "person", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="break_glass_reason")
        ]

    def __str__(self):
        return f"Break-glass access {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id
