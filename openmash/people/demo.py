"""Synthetic demo people: about 300 children and adults in families and households.

Faker (en_GB) with a fixed seed and a seeded ``random.Random`` for everything else, so every
run creates the same people; NHS numbers come from the range reserved for testing (999…) and
UPNs use the Medway LA number with a correct check letter. Created through the services, so
the match keys, the audit trail and the history are exactly as in real use. Idempotent: skipped
when the first demo person already exists.

The contacts demo loader (which runs after this one) picks its children with ``demo_children``
and their families with ``demo_family``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from faker import Faker

from openmash.accounts.models import Team

from .codes import Ethnicity, NameKind, RelationshipKind, Sex
from .identifiers import synthetic_nhs_number, synthetic_upn
from .models import Person, Relationship
from .services import (
    AddressInput,
    new_local_id,
    person_add_address,
    person_add_name,
    person_add_relationship,
    person_create,
    person_update,
)

__all__ = ["DEMO_SEED", "demo_children", "demo_family", "load_demo_people"]

DEMO_SEED = 20230401
_FAMILIES = 95
# Medway-like postcode districts for the synthetic addresses.
_DISTRICTS = ("ME1", "ME2", "ME3", "ME4", "ME5", "ME7", "ME8")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_ETHNICITIES = [
    (Ethnicity.WBRI, 70),
    (Ethnicity.WOTH, 6),
    (Ethnicity.MWBC, 3),
    (Ethnicity.MOTH, 3),
    (Ethnicity.AIND, 3),
    (Ethnicity.APKN, 2),
    (Ethnicity.BAFR, 5),
    (Ethnicity.BCRB, 2),
    (Ethnicity.WROM, 1),
    (Ethnicity.NOBT, 5),
]
_LANGUAGES = {Ethnicity.WOTH: "Polish", Ethnicity.WROM: "Romanian", Ethnicity.APKN: "Urdu"}
_OPEN_TEAMS = ("ASSESSMENT", "AREA_NORTH", "AREA_SOUTH", "EARLY_HELP")


def _first_local_id() -> str:
    return new_local_id(random.Random(DEMO_SEED))


def demo_children():
    """The demo children (under 18 or unborn), in a stable order for the contacts loader to
    pick from. Unscoped: for demo loaders only."""
    adult_from = timezone.localdate() - timedelta(days=round(18 * 365.25))
    children = Q(date_of_birth__gt=adult_from) | Q(
        date_of_birth__isnull=True, expected_delivery_date__isnull=False
    )
    return Person.unscoped.filter(children).order_by("local_id")


def demo_family(child: Person) -> list[tuple[Person, str, bool]]:
    """The people related to ``child``: (person, relationship kind as recorded from their side,
    lives in the same household). Parents and carers first. For demo loaders only."""
    rows = Relationship.objects.filter(related_person=child).select_related("person")
    order = {k: i for i, k in enumerate(RelationshipKind.values)}
    return [
        (row.person, row.kind, row.same_household)
        for row in sorted(rows, key=lambda r: (order[r.kind], r.person.local_id))
    ]


class _Builder:
    """Creates one family at a time from the seeded generators."""

    def __init__(self):
        self.fake = Faker("en_GB")
        self.fake.seed_instance(DEMO_SEED)
        self.rng = random.Random(DEMO_SEED)
        self.ids = random.Random(DEMO_SEED)
        self.today = timezone.localdate()
        self.teams = list(Team.objects.filter(code__in=_OPEN_TEAMS).order_by("code"))
        self.used_nhs: set[str] = set()
        self.count = 0

    # -- small generators

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def postcode(self) -> str:
        district = self.rng.choice(_DISTRICTS)
        letters = "".join(self.rng.choice(_INWARD_LETTERS) for _ in range(2))
        return f"{district} {self.rng.randint(1, 9)}{letters}"

    def address(self, date_from: date | None, date_to: date | None = None) -> AddressInput:
        return AddressInput(
            line1=self.fake.street_address().replace("\n", ", "),
            town=self.rng.choice(("Chatham", "Gillingham", "Rochester", "Strood", "Rainham")),
            postcode=self.postcode(),
            date_from=date_from,
            date_to=date_to,
        )

    def nhs_number(self) -> str:
        while True:
            number = synthetic_nhs_number(self.rng)
            if number not in self.used_nhs:
                self.used_nhs.add(number)
                return number

    def birthday(self, min_age: float, max_age: float) -> date:
        days = self.rng.randint(int(min_age * 365.25), int(max_age * 365.25))
        return self.today - timedelta(days=days)

    def forename(self, sex: str) -> str:
        if sex == Sex.FEMALE:
            return self.fake.first_name_female()
        if sex == Sex.MALE:
            return self.fake.first_name_male()
        return self.fake.first_name()

    # -- people

    def person(self, *, sex: str, surname: str, born: date | None, ethnicity: str, **extra):
        forename = extra.pop("forename", None) or self.forename(sex)
        middle = self.forename(sex) if self.chance(0.45) else ""
        age = (self.today - born).days / 365.25 if born else None
        upn = ""
        if age is not None and 4.5 <= age < 18 and self.chance(0.9):
            upn = synthetic_upn(self.rng)
        person = person_create(
            actor=None,
            forename=forename,
            middle_names=middle,
            surname=surname,
            date_of_birth=born,
            sex=sex,
            ethnicity=ethnicity,
            first_language=_LANGUAGES.get(ethnicity, "English"),
            nhs_number=self.nhs_number() if self.chance(0.93) else "",
            upn=upn,
            local_id=new_local_id(self.ids),
            **extra,
        )
        self.count += 1
        return person

    def family(self) -> None:
        rng = self.rng
        ethnicity = rng.choices([e for e, _ in _ETHNICITIES], [w for _, w in _ETHNICITIES])[0]
        surname = self.fake.last_name()
        moved_in = self.today - timedelta(days=rng.randint(60, 3000))
        home = self.address(moved_in)
        history = []
        if self.chance(0.6):  # an earlier address or two
            left = moved_in
            for _ in range(rng.randint(1, 2)):
                arrived = left - timedelta(days=rng.randint(200, 1500))
                history.append(self.address(arrived, left))
                left = arrived

        mother_surname = surname if self.chance(0.7) else self.fake.last_name()
        mother = self.person(
            sex=Sex.FEMALE,
            surname=mother_surname,
            born=self.birthday(19, 45),
            ethnicity=ethnicity,
            address=home,
        )
        if mother_surname == surname and self.chance(0.5):  # her surname before marriage
            person_add_name(
                mother,
                actor=None,
                forename=mother.forename,
                surname=self.fake.last_name(),
                kind=NameKind.BIRTH,
            )
        father = None
        if self.chance(0.6):
            father = self.person(
                sex=Sex.MALE,
                surname=surname,
                born=self.birthday(20, 50),
                ethnicity=ethnicity,
                address=home if self.chance(0.7) else self.address(moved_in),
            )
        partner = None
        if father is None and self.chance(0.4):
            partner = self.person(
                sex=Sex.MALE,
                surname=self.fake.last_name(),
                born=self.birthday(20, 50),
                ethnicity=rng.choice([e for e, _ in _ETHNICITIES]),
                address=home,
            )
        grandparent = None
        if self.chance(0.15):
            grandparent = self.person(
                sex=Sex.FEMALE,
                surname=mother_surname,
                born=self.birthday(50, 75),
                ethnicity=ethnicity,
                address=home if self.chance(0.5) else self.address(moved_in),
            )

        children = []
        for _ in range(rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0]):
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            child = self.person(
                sex=sex,
                surname=surname,
                born=self.birthday(0.1, 17.5),
                ethnicity=ethnicity,
                address=home,
            )
            if partner is not None and self.chance(0.3):  # known by the partner's surname
                person_add_name(
                    child,
                    actor=None,
                    forename=child.forename,
                    surname=partner.surname,
                    kind=NameKind.ALIAS,
                )
            children.append(child)
        if self.chance(0.08):  # an unborn child
            unborn = person_create(
                actor=None,
                forename="Unborn",
                surname=surname,
                expected_delivery_date=self.today + timedelta(days=rng.randint(20, 200)),
                sex=Sex.UNKNOWN,
                ethnicity=ethnicity,
                local_id=new_local_id(self.ids),
                address=home,
            )
            self.count += 1
            children.append(unborn)

        for person in [mother, *children]:
            for old in history:
                person_add_address(person, actor=None, address=old)

        for child in children:
            person_add_relationship(
                mother, child, actor=None, kind=RelationshipKind.MOTHER, same_household=True
            )
            if father is not None:
                person_add_relationship(
                    father,
                    child,
                    actor=None,
                    kind=RelationshipKind.FATHER,
                    same_household=father.postcode == home.postcode,
                )
            if partner is not None:
                person_add_relationship(
                    partner,
                    child,
                    actor=None,
                    kind=RelationshipKind.PARTNER_OF_PARENT,
                    same_household=True,
                )
            if grandparent is not None:
                person_add_relationship(
                    grandparent,
                    child,
                    actor=None,
                    kind=RelationshipKind.GRANDPARENT,
                    same_household=grandparent.postcode == home.postcode,
                )
        for i, older in enumerate(children):
            for younger in children[i + 1 :]:
                person_add_relationship(
                    older, younger, actor=None, kind=RelationshipKind.SIBLING, same_household=True
                )
        if partner is not None:
            person_add_relationship(
                partner,
                mother,
                actor=None,
                kind=RelationshipKind.HOUSEHOLD_MEMBER,
                same_household=True,
            )

        if self.teams and children and self.chance(0.2):  # open to children's services
            team = rng.choice(self.teams)
            worker = self.fake.name()
            for child in children:
                if child.date_of_birth is not None:
                    person_update(child, actor=None, open_to_team=team, allocated_worker=worker)


def load_demo_people() -> str | None:
    """Demo-data loader (registered in ``PeopleConfig.ready``)."""
    if Person.unscoped.filter(local_id=_first_local_id()).exists():
        return None
    builder = _Builder()
    with transaction.atomic():
        for _ in range(_FAMILIES):
            builder.family()
    return f"People: {builder.count} synthetic children and adults in {_FAMILIES} families."
