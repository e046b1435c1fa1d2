"""Every write to the person index, and linking the people named on a contact to it.

The phonetic keys a search looks up (``PersonName.forename_keys`` / ``surname_keys`` /
``canonical_forename``) are derived from the name and written here, by the same call that
writes the name — never in ``save()`` or a signal — so there is one place to read to know they
are right. ``Person.forename`` / ``surname`` mirror the current ``PersonName`` and
``Person.postcode`` mirrors the current address, for the same reason.

Each save goes through django-simple-history, which puts a before/after entry in the audit
chain (``openmash.audit.history``); services set ``_history_user`` so the entry names the actor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from openmash.accounts.roles import Capability
from openmash.core.errors import ConflictError, DomainError, NotPermitted

from .codes import Disability, Ethnicity, NameKind, RelationshipKind, Sex
from .identifiers import (
    is_valid_postcode,
    normalise_postcode,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)
from .matching import PersonQuery, canonical_forename, forename_key_string, surname_key_string
from .models import Address, Person, PersonName, Relationship
from .search import person_matches

__all__ = [
    "POSSIBLE_DUPLICATE_SCORE",
    "AddressInput",
    "ContactPersonCreated",
    "PersonInvalid",
    "contact_person_create_person",
    "contact_person_link",
    "name_keys",
    "new_local_id",
    "person_add_address",
    "person_add_name",
    "person_add_relationship",
    "person_create",
    "person_update",
]

#: A new person whose best existing candidate scores at least this is flagged as a possible
#: duplicate (the scores of ``matching.score_candidate``: 85 needs e.g. the same name and date
#: of birth with one of them slightly different, or a matching identifier).
POSSIBLE_DUPLICATE_SCORE = 85

#: Relationships that read the same both ways: adding one adds its mirror image.
SYMMETRIC_RELATIONSHIPS = frozenset(
    {RelationshipKind.SIBLING, RelationshipKind.HALF_SIBLING, RelationshipKind.HOUSEHOLD_MEMBER}
)

# Crockford's base 32: no I, L, O or U, so an ID read out over the phone is not misheard.
_LOCAL_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOCAL_ID_LENGTH = 9


class PersonInvalid(DomainError):
    """One or more details of a person break a rule. ``errors`` maps form field names to
    messages safe to show (they never echo the value), so a view can put each by its field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class AddressInput:
    """An address to record. ``date_to`` set means a past address: it goes into the history
    without replacing the current one."""

    line1: str
    line2: str = ""
    town: str = ""
    postcode: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class ContactPersonCreated:
    """The outcome of creating a person from a contact: the new person, and the existing
    person it may duplicate (with the match score) when the best candidate scored high."""

    person: Person
    possible_duplicate_of: Person | None = None
    duplicate_score: int | None = None


# -- keys and identifiers -----------------------------------------------------------------------


def name_keys(forename: str, surname: str, middle_names: str = "") -> dict[str, str]:
    """The stored match keys for one name. Middle names count as forenames, so a child known
    by her middle name is found by it."""
    forenames = [forename, middle_names] if middle_names.strip() else [forename]
    return {
        "forename_keys": forename_key_string(forenames),
        "surname_keys": surname_key_string(surname),
        "canonical_forename": canonical_forename(forename),
    }


def new_local_id(rng=None) -> str:
    """A local person ID: "P" and nine characters of Crockford's base 32 (45 random bits), e.g.
    ``P7K3M9QX2``. Random rather than sequential so that creating people takes no lock and
    bulk loads need no coordination; ``person_create`` retries on the rare collision."""
    choice = rng.choice if rng is not None else secrets.choice
    return "P" + "".join(choice(_LOCAL_ID_ALPHABET) for _ in range(_LOCAL_ID_LENGTH))


def _normalise_local_id(value: str) -> str:
    return "".join((value or "").split()).upper()


# -- validation ---------------------------------------------------------------------------------

_NHS_NUMBER_TAKEN = (
    "Another person in the index already has this NHS number. Search for them: it may be the "
    "same person."
)
_LOCAL_ID_TAKEN = "Another person in the index already has this local ID."


def _validate_details(data: dict, errors: dict[str, str], *, person: Person | None = None) -> None:
    """Check the fields present in ``data`` (normalising identifiers in place)."""
    for field, label in (("forename", "first name"), ("surname", "last name")):
        if field in data:
            data[field] = (data[field] or "").strip()
            if not data[field]:
                errors[field] = f"Enter the person's {label}."
    if "middle_names" in data:
        data["middle_names"] = (data["middle_names"] or "").strip()
    today = timezone.localdate()
    dob = data.get("date_of_birth", getattr(person, "date_of_birth", None))
    edd = data.get("expected_delivery_date", getattr(person, "expected_delivery_date", None))
    if data.get("date_of_birth") and data["date_of_birth"] > today:
        errors["date_of_birth"] = "Date of birth must be today or in the past."
    if dob and edd:
        errors["expected_delivery_date"] = (
            "Give either a date of birth or, for an unborn child, an expected date of delivery — "
            "not both."
        )
    if "sex" in data and data["sex"] not in Sex.values:
        errors["sex"] = "Select the person's sex, or 'Unknown or unborn'."
    if "ethnicity" in data and data["ethnicity"] not in Ethnicity.values:
        errors["ethnicity"] = "Select an ethnicity from the list."
    if "disabilities" in data:
        codes = (data["disabilities"] or "").split()
        if any(code not in Disability.values for code in codes):
            errors["disabilities"] = "Select disabilities from the list."
        elif Disability.NONE in codes and len(codes) > 1:
            errors["disabilities"] = "'No disability' cannot be selected with a disability."
        data["disabilities"] = " ".join(dict.fromkeys(codes))
    for field, validate in (("nhs_number", validate_nhs_number), ("upn", validate_upn)):
        if data.get(field):
            try:
                data[field] = validate(data[field])
            except ValidationError as error:
                errors[field] = error.messages[0]
    if data.get("nhs_number") and "nhs_number" not in errors:
        others = Person.unscoped.filter(nhs_number=data["nhs_number"])
        if person is not None:
            others = others.exclude(pk=person.pk)
        if others.exists():
            errors["nhs_number"] = _NHS_NUMBER_TAKEN
    if "local_id" in data:
        data["local_id"] = _normalise_local_id(data["local_id"])
        if len(data["local_id"]) > 20:
            errors["local_id"] = "A local person ID must be 20 characters or fewer."
        elif data["local_id"]:
            others = Person.unscoped.filter(local_id=data["local_id"])
            if person is not None:
                others = others.exclude(pk=person.pk)
            if others.exists():
                errors["local_id"] = _LOCAL_ID_TAKEN


def _validated_address(address: AddressInput, errors: dict[str, str]) -> AddressInput:
    line1 = address.line1.strip()
    postcode = ""
    if not line1 and not address.postcode.strip():
        errors["address"] = "Enter the first line of the address or its postcode."
    if address.postcode.strip():
        try:
            postcode = validate_postcode(address.postcode)
        except ValidationError as error:
            errors["postcode"] = error.messages[0]
    if address.date_from and address.date_to and address.date_to < address.date_from:
        errors["date_to"] = "The date the person left must be on or after the date they moved in."
    if address.date_from and address.date_from > timezone.localdate():
        errors["date_from"] = "The date the person moved in must be today or in the past."
    return AddressInput(
        line1=line1,
        line2=address.line2.strip(),
        town=address.town.strip(),
        postcode=postcode,
        date_from=address.date_from,
        date_to=address.date_to,
    )


def _stamp(instance, actor, *, created: bool = False) -> None:
    """Who made the change, for the model's stamps and the history/audit entry."""
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    if created:
        instance.created_by = user
    instance.modified_by = user
    instance._history_user = user


# -- people -------------------------------------------------------------------------------------


def person_create(
    *,
    actor,
    forename: str,
    surname: str,
    middle_names: str = "",
    date_of_birth: date | None = None,
    expected_delivery_date: date | None = None,
    sex: str = Sex.UNKNOWN,
    ethnicity: str = Ethnicity.NOBT,
    first_language: str = "",
    disabilities: str = "",
    nhs_number: str = "",
    upn: str = "",
    local_id: str = "",
    address: AddressInput | None = None,
    possible_duplicate_of: Person | None = None,
) -> Person:
    """Add a person to the index with their current name (and its match keys) and, if given,
    their current address. ``local_id`` is generated when blank. Raises ``PersonInvalid``."""
    data = {
        "forename": forename,
        "surname": surname,
        "middle_names": middle_names,
        "date_of_birth": date_of_birth,
        "expected_delivery_date": expected_delivery_date,
        "sex": sex or Sex.UNKNOWN,
        "ethnicity": ethnicity or Ethnicity.NOBT,
        "first_language": (first_language or "").strip(),
        "disabilities": disabilities,
        "nhs_number": nhs_number,
        "upn": upn,
        "local_id": local_id,
    }
    errors: dict[str, str] = {}
    _validate_details(data, errors)
    if address is not None:
        address = _validated_address(address, errors)
    if errors:
        raise PersonInvalid(errors)

    generate = not data["local_id"]
    for _attempt in range(5):
        if generate:
            data["local_id"] = new_local_id()
        try:
            with transaction.atomic():
                return _person_insert(actor, data, address, possible_duplicate_of)
        except IntegrityError:
            # Someone else took the NHS number or local ID since validation (or, once in an
            # age, the random ID collided: then draw another).
            if data["nhs_number"] and Person.unscoped.filter(nhs_number=data["nhs_number"]):
                raise PersonInvalid({"nhs_number": _NHS_NUMBER_TAKEN}) from None
            if not Person.unscoped.filter(local_id=data["local_id"]).exists():
                raise
            if not generate:
                raise PersonInvalid({"local_id": _LOCAL_ID_TAKEN}) from None
    raise RuntimeError("Could not allocate a unique local person ID.")


def _person_insert(actor, data: dict, address: AddressInput | None, duplicate_of) -> Person:
    person = Person(**data, possible_duplicate_of=duplicate_of)
    if address is not None and address.date_to is None:
        person.postcode = address.postcode
    _stamp(person, actor, created=True)
    person.save()
    name = PersonName(
        person=person,
        kind=NameKind.CURRENT,
        forename=person.forename,
        surname=person.surname,
        **name_keys(person.forename, person.surname, person.middle_names),
    )
    _stamp(name, actor, created=True)
    name.save()
    if address is not None:
        row = Address(person=person, **address.__dict__)
        _stamp(row, actor, created=True)
        row.save()
    return person


_UPDATABLE = frozenset(
    {
        "forename",
        "middle_names",
        "surname",
        "date_of_birth",
        "expected_delivery_date",
        "sex",
        "ethnicity",
        "first_language",
        "disabilities",
        "nhs_number",
        "upn",
        "local_id",
        "open_to_team",
        "allocated_worker",
    }
)


@transaction.atomic
def person_update(person: Person, *, actor, **changes) -> Person:
    """Correct a person's details. A change to the current name corrects it in place (keys
    kept in step); a change of name that should keep the old one is ``person_add_name``."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise TypeError(f"person_update cannot change {', '.join(sorted(unknown))}")
    data = dict(changes)
    errors: dict[str, str] = {}
    _validate_details(data, errors, person=person)
    if "allocated_worker" in data:
        data["allocated_worker"] = (data["allocated_worker"] or "").strip()
        if data["allocated_worker"] and not data.get("open_to_team", person.open_to_team):
            errors["open_to_team"] = "Select the allocated team before naming the worker."
    if errors:
        raise PersonInvalid(errors)
    locked = Person.unscoped.select_for_update().get(pk=person.pk)
    changed = [f for f, v in data.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, data[field])
    _stamp(locked, actor)
    locked.save(update_fields=[*_field_names(changed), "modified_at", "modified_by"])
    if {"forename", "surname", "middle_names"} & set(changed):
        current = locked.names.filter(kind=NameKind.CURRENT).first()
        if current is None:
            current = PersonName(person=locked, kind=NameKind.CURRENT)
            _stamp(current, actor, created=True)
        _set_name(current, locked.forename, locked.surname, locked.middle_names, actor)
    return locked


def _field_names(fields: list[str]) -> list[str]:
    return [f"{f}_id" if f == "open_to_team" else f for f in fields]


def _set_name(name: PersonName, forename: str, surname: str, middle_names: str, actor) -> None:
    name.forename = forename
    name.surname = surname
    for field, value in name_keys(forename, surname, middle_names).items():
        setattr(name, field, value)
    _stamp(name, actor)
    name.save()


@transaction.atomic
def person_add_name(
    person: Person, *, actor, forename: str, surname: str, kind: str = NameKind.ALIAS
) -> PersonName:
    """Record another name. ``kind`` CURRENT is a change of name: the old current name is kept
    as a previous name and the person's name becomes the new one."""
    if kind not in NameKind.values:
        raise PersonInvalid({"kind": "Select what kind of name this is."})
    data = {"forename": forename, "surname": surname}
    errors: dict[str, str] = {}
    _validate_details(data, errors)
    if errors:
        raise PersonInvalid(errors)
    locked = Person.unscoped.select_for_update().get(pk=person.pk)
    if kind == NameKind.CURRENT:
        for old in locked.names.filter(kind=NameKind.CURRENT):
            old.kind = NameKind.PREVIOUS
            _stamp(old, actor)
            old.save(update_fields=["kind", "modified_at", "modified_by"])
        locked.forename, locked.surname = data["forename"], data["surname"]
        _stamp(locked, actor)
        locked.save(update_fields=["forename", "surname", "modified_at", "modified_by"])
    middle = locked.middle_names if kind == NameKind.CURRENT else ""
    name = PersonName(person=locked, kind=kind)
    _stamp(name, actor, created=True)
    _set_name(name, data["forename"], data["surname"], middle, actor)
    return name


@transaction.atomic
def person_add_address(person: Person, *, actor, address: AddressInput) -> Address:
    """Record an address. A current one (no ``date_to``) closes the previous current address
    the day the person moved (today if not known) and becomes ``Person.postcode``."""
    errors: dict[str, str] = {}
    address = _validated_address(address, errors)
    if errors:
        raise PersonInvalid(errors)
    locked = Person.unscoped.select_for_update().get(pk=person.pk)
    if address.date_to is None:
        moved = address.date_from or timezone.localdate()
        for old in locked.addresses.filter(date_to__isnull=True):
            old.date_to = max(moved, old.date_from) if old.date_from else moved
            _stamp(old, actor)
            old.save(update_fields=["date_to", "modified_at", "modified_by"])
        if locked.postcode != address.postcode:
            locked.postcode = address.postcode
            _stamp(locked, actor)
            locked.save(update_fields=["postcode", "modified_at", "modified_by"])
    row = Address(person=locked, **address.__dict__)
    _stamp(row, actor, created=True)
    row.save()
    return row


@transaction.atomic
def person_add_relationship(
    person: Person,
    related_person: Person,
    *,
    actor,
    kind: str,
    same_household: bool = False,
) -> Relationship:
    """Record that ``person`` is ``kind`` of ``related_person`` (A is *mother* of B). Siblings,
    half-siblings and household members are recorded both ways; for a parent or carer the
    person page reads the relationship from the child's side. Recording it again updates
    ``same_household``."""
    if kind not in RelationshipKind.values:
        raise PersonInvalid({"kind": "Select how the two people are related."})
    if person.pk == related_person.pk:
        raise PersonInvalid({"related_person": "A person cannot be related to themselves."})
    pairs = [(person, related_person)]
    if kind in SYMMETRIC_RELATIONSHIPS:
        pairs.append((related_person, person))
    rows = []
    for a, b in pairs:
        row = Relationship.objects.filter(person=a, related_person=b, kind=kind).first()
        if row is None:
            row = Relationship(person=a, related_person=b, kind=kind, same_household=same_household)
            _stamp(row, actor, created=True)
            row.save()
        elif row.same_household != same_household:
            row.same_household = same_household
            _stamp(row, actor)
            row.save(update_fields=["same_household", "modified_at", "modified_by"])
        rows.append(row)
    return rows[0]


# -- linking contacts to the index --------------------------------------------------------------


def _require_linking_capability(actor) -> None:
    if not (actor.can(Capability.CONTACT_RECORD) or actor.can(Capability.CONTACT_SCREEN)):
        raise NotPermitted("Your roles do not allow you to link people on a contact.")


def _locked_contact_person(contact_person, expected_person_id):
    from openmash.contacts.models import ContactPerson

    locked = ContactPerson.unscoped.select_for_update().get(pk=contact_person.pk)
    if str(locked.person_id or "") != str(expected_person_id or ""):
        raise ConflictError(
            "Someone else changed who this person is linked to while you were looking. "
            "Check the link shown now before changing it."
        )
    return locked


def contact_person_query(contact_person) -> PersonQuery:
    """What was recorded on the contact, as a search of the index."""
    return PersonQuery(
        forename=contact_person.forename,
        surname=contact_person.surname,
        dob=contact_person.date_of_birth,
        postcode=contact_person.postcode,
    )


@transaction.atomic
def contact_person_link(contact_person, person: Person, *, actor, expected_person_id=None):
    """Link a child or adult named on a contact to an existing person in the index.

    ``expected_person_id`` is the link the user saw (None: not linked); if someone changed it
    meanwhile this raises ``ConflictError`` rather than silently replacing their choice.
    Linking to an existing person settles any "possible duplicate" flag.
    """
    _require_linking_capability(actor)
    locked = _locked_contact_person(contact_person, expected_person_id)
    locked.person = person
    locked.possible_duplicate = False
    _stamp(locked, actor)
    locked.save(update_fields=["person", "possible_duplicate", "modified_at", "modified_by"])
    return locked


@transaction.atomic
def contact_person_create_person(
    contact_person, *, actor, expected_person_id=None
) -> ContactPersonCreated:
    """Create a new person from what was recorded on the contact and link it, in one step.

    The index is searched first (all of it, whatever the actor may browse): when the best
    existing candidate scores ``POSSIBLE_DUPLICATE_SCORE`` or more, the new person records it
    as ``possible_duplicate_of`` and the contact's person is flagged ``possible_duplicate``,
    so a practice manager can review both records.
    """
    _require_linking_capability(actor)
    locked = _locked_contact_person(contact_person, expected_person_id)
    best = person_matches(Person.unscoped.all(), contact_person_query(locked), limit=1)
    duplicate = best[0] if best and best[0].score >= POSSIBLE_DUPLICATE_SCORE else None

    address = None
    postcode = normalise_postcode(locked.postcode)
    line1 = locked.address.strip()
    line2 = ""
    if postcode and not is_valid_postcode(postcode):
        # Keep what was recorded rather than lose it or refuse the whole step.
        line2 = f"Postcode as recorded: {locked.postcode.strip()}"
        postcode = ""
    if line1 or postcode or line2:
        address = AddressInput(
            line1=line1 or line2, line2=line2 if line1 else "", postcode=postcode
        )
    person = person_create(
        actor=actor,
        forename=locked.forename,
        surname=locked.surname,
        date_of_birth=locked.date_of_birth,
        expected_delivery_date=None if locked.date_of_birth else locked.expected_delivery_date,
        sex=locked.sex if locked.sex in Sex.values else Sex.UNKNOWN,
        address=address,
        possible_duplicate_of=duplicate.person if duplicate else None,
    )
    locked.person = person
    locked.possible_duplicate = duplicate is not None
    _stamp(locked, actor)
    locked.save(update_fields=["person", "possible_duplicate", "modified_at", "modified_by"])
    if duplicate is None:
        return ContactPersonCreated(person=person)
    return ContactPersonCreated(
        person=person, possible_duplicate_of=duplicate.person, duplicate_score=duplicate.score
    )
