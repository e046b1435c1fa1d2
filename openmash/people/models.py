"""The person index: children and adults known to the MASH.

Every name a person has had (current, previous, aliases) is a ``PersonName`` row carrying
phonetic keys, so "is this child known?" is one indexed lookup on the same logic in SQLite and
PostgreSQL. Reads of people go through ``selectors`` (scoped per user, access logged):
``Person.objects`` answers nothing on its own — fail closed.
"""

from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

from .codes import Ethnicity, NameKind, RelationshipKind, Sex


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
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_delivery_date is not None


class PersonName(BaseModel):
    """A name a person is or was known by, with the match keys the index searches on."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=10, choices=NameKind.choices, default=NameKind.CURRENT)
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    forename_keys = models.CharField(max_length=100, blank=True, db_index=True)
    surname_keys = models.CharField(max_length=100, blank=True, db_index=True)
    canonical_forename = models.CharField(max_length=100, blank=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["surname_keys", "forename_keys"])]


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
