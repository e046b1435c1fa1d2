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


# == Data subject rights, retention and disposal, breaches (issue 5, part B) ===================
#
# Lifecycles and rules are in ``services_rights``, ``services_retention`` and
# ``services_breaches``; reads in ``selectors``. Rows about people are fail closed: only the
# data protection officer (``governance.manage``) reads them, through the scope rules in
# ``selectors``.


class RightsRequestKind(models.TextChoices):
    ACCESS = "access", "Subject access"
    RECTIFICATION = "rectification", "Rectification"
    ERASURE = "erasure", "Erasure"
    RESTRICTION = "restriction", "Restriction of processing"
    OBJECTION = "objection", "Objection to processing"


class RightsRequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"


OPEN_RIGHTS_STATUSES = (RightsRequestStatus.RECEIVED, RightsRequestStatus.IN_PROGRESS)


class RightsRequest(BaseModel):
    """A request by a person (or someone acting for them) to exercise a data protection right.

    Lifecycle: ``received`` → ``in_progress`` → ``completed`` or ``refused`` (with the reason in
    ``outcome_note``). ``due_on`` is the statutory deadline — one calendar month from receipt
    (DESIGN.md §3) — computed once by ``services_rights`` and stored, so the register sorts
    and filters by it; "overdue" is derived. ``person`` may be empty until the DPO has found
    the person in the index.
    """

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=14, choices=RightsRequestKind.choices, db_index=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_name = models.CharField(max_length=120)
    requester_relationship = models.CharField(
        max_length=120, help_text="The person themselves, a parent, a solicitor …"
    )
    requester_contact = models.CharField(
        max_length=250, blank=True, help_text="Where the response goes: email or postal address"
    )
    description = models.TextField(blank=True, help_text="What was asked for, in their words")
    received_on = models.DateField(db_index=True)
    due_on = models.DateField(db_index=True)
    status = models.CharField(
        max_length=12,
        choices=RightsRequestStatus.choices,
        default=RightsRequestStatus.RECEIVED,
        db_index=True,
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.TextField(blank=True, help_text="How it was answered, or why refused")
    version = models.PositiveIntegerField(default=1)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(outcome_note=""),
                name="rights_refusal_reason",
            ),
        ]

    def __str__(self):
        return f"Rights request {self.reference}"

    @property
    def audit_person_id(self):
        return self.person_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RIGHTS_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_on < timezone.localdate()

    @property
    def days_remaining(self) -> int:
        from django.utils import timezone

        return (self.due_on - timezone.localdate()).days

    @property
    def days_overdue(self) -> int:
        return -self.days_remaining


class RightsActionKind(models.TextChoices):
    REGISTERED = "registered", "Request registered"
    PERSON_IDENTIFIED = "person_identified", "Person identified"
    STATUS_CHANGED = "status_changed", "Status changed"
    NOTE = "note", "Note"
    EXPORT_PREPARED = "export_prepared", "Subject access export prepared"
    REDACTIONS_SAVED = "redactions_saved", "Third-party information reviewed"
    EXPORT_RELEASED = "export_released", "Subject access export released"
    RECTIFIED = "rectified", "Record corrected"
    ERASED = "erased", "Personal data erased"
    ERASURE_REFUSED = "erasure_refused", "Erasure refused"
    RESTRICTED = "restricted", "Processing restricted"
    RESTRICTION_LIFTED = "restriction_lifted", "Restriction of processing lifted"
    OPINION_FLAGGED = "opinion_flagged", "Opinion marked incorrect"
    RECIPIENTS_NOTIFIED = "recipients_notified", "Recipients to be told"
    NOTIFICATION_SENT = "notification_sent", "Recipient told"
    NOTIFICATION_ACKNOWLEDGED = "notification_ack", "Recipient acknowledged"


class RightsAction(BaseModel):
    """One line of a request's action log: who did what, and when. Append-only."""

    rights_request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="actions"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=RightsActionKind.choices)
    note = models.TextField(blank=True)

    objects = FailClosedManager()
    unscoped = models.Manager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["rights_request", "at"])]

    def __str__(self):
        return f"Rights action {self.pk}"


class SubjectAccessExportStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared – third-party information to review"
    RELEASED = "released", "Released"


class SubjectAccessExport(BaseModel):
    """The answer to a subject access request: prepared (the DPO reviews every item of
    third-party information and ticks what to redact), then released.

    ``reviewed_keys`` are the third-party items the DPO was shown; release refuses if the
    records have gained one since, so nothing unseen goes out. ``document`` is what was
    released (redactions applied), kept as the record of the disclosure; the PDF is rendered
    from it, so every download is the same disclosure.
    """

    rights_request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="exports"
    )
    status = models.CharField(
        max_length=10,
        choices=SubjectAccessExportStatus.choices,
        default=SubjectAccessExportStatus.PREPARED,
    )
    prepared_at = models.DateTimeField()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_keys = models.JSONField(default=list, blank=True)
    redacted_keys = models.JSONField(default=list, blank=True)
    redactions_saved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.JSONField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = FailClosedManager()
    unscoped = models.Manager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="released")
                | (models.Q(released_at__isnull=False) & models.Q(document__isnull=False)),
                name="sar_release_recorded",
            ),
        ]

    def __str__(self):
        return f"Subject access export {self.pk}"


class ProcessingRestrictionGround(models.TextChoices):
    """UK GDPR Art 18(1): when a person may have the processing of their data restricted."""

    ACCURACY = "accuracy", "They contest its accuracy, while it is checked"
    UNLAWFUL = "unlawful", "The processing is unlawful and they ask for restriction, not erasure"
    LEGAL_CLAIMS = "legal_claims", "They need it kept for a legal claim"
    OBJECTION = "objection", "They have objected, while the grounds are weighed"


class ProcessingRestriction(BaseModel):
    """Restriction of *processing* (UK GDPR Art 18): the person's data is kept but not used,
    other than to store it, for legal claims, to protect another person or for an important
    public interest. Not the same as ``PersonRestriction`` (restricted *access* to a staff
    member's relative's record). Lifting keeps the row."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    rights_request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ground = models.CharField(max_length=14, choices=ProcessingRestrictionGround.choices)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_note = models.TextField(blank=True)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_processing_restriction_per_person",
            )
        ]

    def __str__(self):
        return f"Processing restriction {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id


class IncorrectOpinionFlag(BaseModel):
    """An opinion found to be incorrect: kept and clearly flagged wherever it is shown
    (protocol Appendix 4, "Ensuring the personal information is accurate") — or, when the
    DPO decided that keeping it would harm the person, deleted, with this row recording that
    it was. ``target_type``/``target_id``/``field`` name the text (e.g. a police response's
    risk factors); ``contact`` is the episode it belongs to, so the contact page finds it."""

    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    field = models.CharField(max_length=60)
    field_label = models.CharField(max_length=160)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rights_request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(help_text="Why the opinion is incorrect")
    deleted = models.BooleanField(default=False, help_text="The opinion itself was deleted")
    deletion_reason = models.TextField(blank=True)
    flagged_at = models.DateTimeField()
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [
            models.Index(fields=["contact", "flagged_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(note=""), name="opinion_flag_note"),
            models.CheckConstraint(
                condition=models.Q(deleted=False) | ~models.Q(deletion_reason=""),
                name="opinion_deletion_reason",
            ),
        ]

    def __str__(self):
        return f"Incorrect opinion flag {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id


class NotificationReason(models.TextChoices):
    RECTIFICATION = "rectification", "Information corrected"
    ERASURE = "erasure", "Information erased"
    RESTRICTION = "restriction", "Processing restricted"
    INCORRECT_OPINION = "incorrect_opinion", "Opinion found to be incorrect"


class RecipientNotification(BaseModel):
    """Telling one recipient on the Record of Sharing that what they were given has been
    corrected, erased or restricted, or that an opinion in it is incorrect (protocol
    Appendix 4, "Rights of the people whose personal information we share").

    Lifecycle: created → ``sent_at`` (emailed through the outbox when the recipient has an
    address, else marked sent by the DPO once told another way) → ``acknowledged_at``.
    ``dedupe_key`` (the event and the recipient) makes a retried service create nothing twice.
    """

    rights_request = models.ForeignKey(
        RightsRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    opinion_flag = models.ForeignKey(
        IncorrectOpinionFlag, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=NotificationReason.choices)
    to_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_description = models.CharField(max_length=250, blank=True)
    #: What the recipient was given, as "record type (contact reference)" lines — no content.
    shared_items = models.TextField(blank=True)
    emailed_to = models.TextField(blank=True, help_text="Addresses the notice was emailed to")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rights_request__isnull=False)
                | models.Q(opinion_flag__isnull=False),
                name="notification_has_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(to_agency__isnull=False)
                | models.Q(to_team__isnull=False)
                | ~models.Q(to_description=""),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self):
        return f"Recipient notification {self.pk}"

    @property
    def audit_person_id(self):
        return self.person_id


# -- retention and disposal ---------------------------------------------------------------


class RetentionRecordType(models.TextChoices):
    CONTACT = "contact", "Contact episode"
    PERSON = "person", "Person index entry no longer named on any contact"
    RIGHTS_REQUEST = "rights_request", "Data subject rights request"
    BREACH = "breach", "Personal data breach record"
    SHARING_RECORD = "sharing_record", "Record of Sharing entry not tied to a contact"
    OUTBOX_MESSAGE = "outbox_message", "Email sent or failed (outbox)"


class RetentionTrigger(models.TextChoices):
    CLOSURE = "closure", "From closure (the decision, or the request or breach closed)"
    BIRTH = "birth", "From the child's date of birth"
    CREATION = "creation", "From creation (received, shared or sent)"


class RetentionAction(models.TextChoices):
    DELETE = "delete", "Delete"
    PSEUDONYMISE = "pseudonymise", "Pseudonymise (keep codes and dates for statistics)"


class RetentionSchedule(BaseModel):
    """How long one type of record is kept, from when, and what happens then.

    The disposal job (``services_retention.retention_disposal_run``) disposes of each active
    schedule's records whose period has ended: ``anchor + years + months`` on or before today
    (calendar arithmetic). Periods come from the partnership's retention schedule
    (``authority``), e.g. a contact kept until the youngest child's 25th birthday.
    """

    record_type = models.CharField(max_length=16, choices=RetentionRecordType.choices)
    trigger = models.CharField(max_length=10, choices=RetentionTrigger.choices)
    years = models.PositiveSmallIntegerField(default=0)
    months = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=14, choices=RetentionAction.choices)
    authority = models.CharField(
        max_length=250, blank=True, help_text="Where the period comes from (policy, guidance, law)"
    )
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["record_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type"],
                condition=models.Q(active=True),
                name="one_active_schedule_per_record_type",
            ),
            models.CheckConstraint(
                condition=models.Q(years__gt=0) | models.Q(months__gt=0),
                name="retention_period_not_zero",
            ),
            models.CheckConstraint(
                condition=models.Q(months__lt=12), name="retention_months_lt_12"
            ),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()}: {self.period_label} {self.trigger_label}"

    @property
    def period_label(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} year{'s' if self.years != 1 else ''}")
        if self.months:
            parts.append(f"{self.months} month{'s' if self.months != 1 else ''}")
        return " and ".join(parts)

    @property
    def trigger_label(self) -> str:
        return {
            RetentionTrigger.CLOSURE: "after closure",
            RetentionTrigger.BIRTH: "after the child's date of birth",
            RetentionTrigger.CREATION: "after creation",
        }.get(self.trigger, "")


class DisposalLog(BaseModel):
    """One disposal: which schedule, how many records, what was done, when and by whom (empty:
    the monthly job). Holds no personal data — no names, no record identifiers — so it can be
    kept for as long as the partnership needs to show its schedules are followed."""

    run_at = models.DateTimeField(db_index=True)
    schedule = models.ForeignKey(
        RetentionSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule_label = models.CharField(max_length=250)
    record_type = models.CharField(max_length=16, choices=RetentionRecordType.choices)
    action = models.CharField(max_length=14, choices=RetentionAction.choices)
    count = models.PositiveIntegerField()
    #: The records disposed of were those whose period started (their closure, the child's
    #: birth, their creation) on or before this date.
    started_on_or_before = models.DateField()
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-run_at"]

    def __str__(self):
        return f"Disposal {self.pk}"


class PseudonymisedRecord(models.Model):
    """A record a schedule has already pseudonymised, so later runs leave it alone."""

    record_type = models.CharField(max_length=16, choices=RetentionRecordType.choices)
    object_id = models.UUIDField()
    pseudonymised_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "object_id"], name="pseudonymised_once")
        ]

    def __str__(self):
        return f"Pseudonymised {self.record_type} {self.pk}"


# -- personal data breaches ---------------------------------------------------------------


class BreachDataCategory(models.TextChoices):
    IDENTITY = "identity", "Names, dates of birth and identifiers"
    CONTACT_DETAILS = "contact_details", "Addresses, phone numbers, email addresses"
    SAFEGUARDING = "safeguarding", "Safeguarding concerns and social care records"
    HEALTH = "health", "Health (special category)"
    OTHER_SPECIAL = "other_special", "Other special category data (e.g. ethnicity, sexuality)"
    CRIMINAL = "criminal", "Criminal offence information"
    EDUCATION = "education", "Education records"
    OTHER = "other", "Other"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Breach(BaseModel):
    """A personal data breach, from discovery to closure.

    The 72-hour clock (DESIGN.md §3; protocol Appendix 4): the decision on reporting to the
    ICO is due ``ico_due_at`` = ``discovered_at`` + 72 elapsed hours, stored when the breach is
    logged. Whether it is overdue and how many hours remain are derived. Lifecycle: ``open``
    (decisions on the ICO and on telling individuals recorded, actions added) → ``closed``
    (both decisions recorded first).
    """

    reference = models.CharField(max_length=20, unique=True)
    discovered_at = models.DateTimeField()
    logged_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    agencies = models.ManyToManyField("accounts.Agency", blank=True, related_name="+")
    lead_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: ``BreachDataCategory`` codes, space separated.
    data_categories = models.CharField(max_length=200, blank=True)
    people_affected = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unknown")
    ico_due_at = models.DateTimeField(db_index=True)
    ico_report = models.BooleanField(null=True, blank=True)
    ico_reason = models.TextField(blank=True)
    ico_delay_reason = models.TextField(blank=True, help_text="Why the decision took over 72 hours")
    ico_decided_at = models.DateTimeField(null=True, blank=True)
    ico_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ico_reported_at = models.DateTimeField(null=True, blank=True)
    ico_reference = models.CharField(max_length=60, blank=True)
    individuals_inform = models.BooleanField(null=True, blank=True)
    individuals_reason = models.TextField(blank=True)
    individuals_decided_at = models.DateTimeField(null=True, blank=True)
    individuals_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=BreachStatus.choices, default=BreachStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords(m2m_fields=[agencies])

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        verbose_name_plural = "breaches"
        indexes = [models.Index(fields=["status", "ico_due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ico_report__isnull=True)
                | (~models.Q(ico_reason="") & models.Q(ico_decided_at__isnull=False)),
                name="breach_ico_decision_recorded",
            ),
            models.CheckConstraint(
                condition=models.Q(individuals_inform__isnull=True)
                | (
                    ~models.Q(individuals_reason="")
                    & models.Q(individuals_decided_at__isnull=False)
                ),
                name="breach_individuals_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed")
                | (models.Q(ico_report__isnull=False) & models.Q(individuals_inform__isnull=False)),
                name="breach_closed_after_decisions",
            ),
        ]

    def __str__(self):
        return f"Breach {self.reference}"

    @property
    def data_category_labels(self) -> list[str]:
        labels = dict(BreachDataCategory.choices)
        return [labels.get(code, code) for code in self.data_categories.split()]

    @property
    def ico_decision_pending(self) -> bool:
        return self.ico_report is None

    def ico_hours_remaining(self, now=None) -> float:
        """Elapsed-time hours until the ICO decision is due (negative once overdue)."""
        from django.utils import timezone

        now = now or timezone.now()
        return (self.ico_due_at - now).total_seconds() / 3600

    def ico_overdue(self, now=None) -> bool:
        return self.ico_decision_pending and self.ico_hours_remaining(now) < 0

    @property
    def ico_clock_hours(self) -> int:
        """Whole hours left on the clock, or past it once overdue (for display)."""
        return int(abs(self.ico_hours_remaining()))

    @property
    def ico_decided_late(self) -> bool:
        return self.ico_decided_at is not None and self.ico_decided_at > self.ico_due_at


class BreachAction(BaseModel):
    """One thing done about a breach (contained, recalled, reported, staff spoken to …)."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="actions")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.TextField()

    objects = FailClosedManager()
    unscoped = models.Manager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["breach", "at"])]

    def __str__(self):
        return f"Breach action {self.pk}"
