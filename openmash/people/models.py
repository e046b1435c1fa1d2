"""The person index: children and adults known to the MASH.

Every name a person has had (current, previous, aliases) is a ``PersonName`` row carrying
phonetic keys, so "is this child known?" is one indexed lookup on the same logic in SQLite and
PostgreSQL. Reads of people go through ``selectors`` (scoped per user, access logged):
``Person.objects`` answers nothing on its own — fail closed.
"""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

from .codes import Disability, Ethnicity, NameKind, RelationshipKind, Sex
from .identifiers import format_nhs_number


class Person(BaseModel):
    forename = models.CharField(max_length=100)
    middle_names = models.CharField(max_length=150, blank=True)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    expected_delivery_date = models.DateField(
        null=True, blank=True, help_text="For an unborn child, instead of a date of birth"
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default="NOBT")
    first_language = models.CharField(max_length=60, blank=True)
    #: CIN disability codes, space separated (NONE never with another code; validated in forms).
    disabilities = models.CharField(max_length=80, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    upn = models.CharField("Unique Pupil Number", max_length=13, blank=True, db_index=True)
    local_id = models.CharField("Local person ID", max_length=20, unique=True)
    #: Current postcode, denormalised from the current address for candidate search.
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    #: Open to children's services: the allocated team and worker, if any.
    open_to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    allocated_worker = models.CharField(max_length=120, blank=True)
    #: Restricted records (e.g. a staff member's relative) — see governance.
    restricted = models.BooleanField(default=False)
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["surname", "forename"])]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~models.Q(nhs_number=""),
                name="person_unique_nhs_number",
            )
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.forename, self.middle_names, self.surname) if p)

    @property
    def audit_person_id(self):
        """Changes to a person are found by the DPO's search for that person."""
        return self.id

    @property
    def is_open_to_childrens_services(self) -> bool:
        return self.open_to_team_id is not None

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else ""

    @property
    def disability_labels(self) -> str:
        labels = dict(Disability.choices)
        return ", ".join(labels.get(code, code) for code in self.disabilities.split())

    @property
    def age(self) -> int | None:
        """Age in whole years today (None when the date of birth is not known)."""
        if self.date_of_birth is None:
            return None
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_delivery_date is not None


class PersonName(BaseModel):
    """A name a person is or was known by, with the match keys the index searches on."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=10, choices=NameKind.choices, default=NameKind.CURRENT)
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    #: Padded, space-separated Double Metaphone keys (``matching.forename_key_string`` and
    #: ``surname_key_string``), written by ``services`` whenever the name changes. 255 because a
    #: hyphenated forename with nicknames can carry a dozen keys.
    forename_keys = models.CharField(max_length=255, blank=True, db_index=True)
    surname_keys = models.CharField(max_length=255, blank=True, db_index=True)
    canonical_forename = models.CharField(max_length=100, blank=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["surname_keys", "forename_keys"])]

    def __str__(self):
        return f"{self.forename} {self.surname}"

    @property
    def audit_person_id(self):
        return self.person_id


class Address(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    town = models.CharField(max_length=80, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True, help_text="Empty while current")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date_from"]

    def __str__(self):
        return ", ".join(p for p in (self.line1, self.line2, self.town, self.postcode) if p)

    @property
    def audit_person_id(self):
        return self.person_id

    @property
    def is_current(self) -> bool:
        return self.date_to is None


class Relationship(BaseModel):
    """``person`` is ``kind`` of ``related_person`` (e.g. A is *mother* of B)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    related_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    same_household = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "related_person", "kind"], name="relationship_unique"
            )
        ]

    def __str__(self):
        return f"{self.person} is {self.get_kind_display().lower()} of {self.related_person}"

    @property
    def audit_person_id(self):
        return self.person_id
