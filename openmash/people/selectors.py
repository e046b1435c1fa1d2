"""Reads of the person index, scoped per user (see core/scoping.py).

``person_get_for_user`` and ``contact_person_get_for_user`` fetch one record for display and
write the access log; lists (search results, a person's contacts and family) are read through
the same scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q

from openmash.accounts.scopes import can_read_contacts
from openmash.audit.services import access_record
from openmash.core.scoping import scope_rule
from openmash.governance.selectors import restricted_access_reason, restricted_hidden_ids

from .codes import RELATIONSHIP_INVERSE_LABEL, NameKind, RelationshipKind
from .matching import PersonQuery
from .models import Address, Person, PersonName, Relationship
from .search import PersonMatch, person_matches

__all__ = [
    "FamilyMember",
    "contact_person_get_for_user",
    "person_contacts_for_user",
    "person_family_for_user",
    "person_for_link",
    "person_get_for_user",
    "person_search",
]


@scope_rule("people.Person")
def _person_scope(qs, user):
    # Partner agencies never browse the person index: they get the minimum identifying details
    # through their own information requests (enquiries.selectors).
    if can_read_contacts(user):
        return qs
    return qs.none()


def person_search(user, query: PersonQuery, limit: int = 20) -> list[PersonMatch]:
    """The people ``user`` may read who best match ``query``, best first, each with its score
    (0–100) and the reasons for it. A constant handful of queries whatever the index size."""
    matches = person_matches(Person.objects.for_user(user), query, limit=limit)
    # A restricted record the user is not named on shows as "restricted — reason needed".
    for person_id in restricted_hidden_ids(user, [m.person for m in matches]):
        next(m for m in matches if m.person.pk == person_id).person.restricted_hidden = True
    return matches


def person_get_for_user(user, pk, *, channel: str) -> Person:
    """One person with their names and addresses, if ``user`` may read them — else
    ``Person.DoesNotExist`` (a view answers 404, never confirming the person exists). The view
    is written to the access log, under ``channel`` (the route name)."""
    person = (
        Person.objects.for_user(user)
        .select_related("open_to_team", "possible_duplicate_of")
        .get(pk=pk)
    )
    reason = restricted_access_reason(user, [person])  # a restricted record needs a reason
    person.name_history = list(
        PersonName.objects.filter(person=person)
        .exclude(kind=NameKind.CURRENT)
        .order_by("created_at", "pk")
    )
    person.address_history = list(
        Address.objects.filter(person=person).order_by(
            F("date_to").desc(nulls_first=True), F("date_from").desc(nulls_last=True), "pk"
        )
    )
    access_record(user, person, channel, person_id=person.pk, reason=reason)
    return person


def person_for_link(user, pk) -> Person:
    """A person the user may read, to link a contact to (no access entry: nothing is shown)."""
    return Person.objects.for_user(user).get(pk=pk)


@dataclass(frozen=True)
class FamilyMember:
    person: Person
    #: How they relate to the person whose page it is: "Mother", "Sibling", "Child"…
    relationship: str
    same_household: bool


def person_family_for_user(user, person: Person) -> list[FamilyMember]:
    """Family and household, read from both sides of each relationship (a mother's page lists
    her children although only "mother of" was recorded). Two queries."""
    rows = (
        Relationship.objects.filter(Q(person=person) | Q(related_person=person))
        .select_related("person", "related_person")
        .order_by("created_at", "pk")
    )
    members: dict = {}
    for row in rows:
        if row.related_person_id == person.pk:
            other, label = row.person, RelationshipKind(row.kind).label
        else:
            other, label = row.related_person, RELATIONSHIP_INVERSE_LABEL[row.kind]
        entry = members.setdefault(other.pk, {"person": other, "labels": [], "household": False})
        if label not in entry["labels"]:
            entry["labels"].append(label)
        entry["household"] = entry["household"] or row.same_household
    readable = set(
        Person.objects.for_user(user).filter(pk__in=list(members)).values_list("pk", flat=True)
    )
    family = [
        FamilyMember(m["person"], ", ".join(m["labels"]), m["household"])
        for pk, m in members.items()
        if pk in readable
    ]
    family.sort(
        key=lambda m: (
            not m.same_household,
            m.person.date_of_birth is None,
            m.person.date_of_birth or m.person.expected_delivery_date,
        )
    )
    return family


def person_contacts_for_user(user, person: Person):
    """Every contact naming this person that the user may read, newest first, with the
    decision if one was made — one query."""
    from openmash.contacts.models import ContactPerson

    return list(
        ContactPerson.objects.for_user(user)
        .filter(person=person)
        .select_related("contact", "contact__decision", "contact__decision__receiving_team")
        .order_by("-contact__received_at", "pk")
    )


def contact_person_get_for_user(user, pk, *, channel: str):
    """A child or adult as recorded on a contact, with the contact and any linked person, if
    the user may read it — else ``ContactPerson.DoesNotExist``. Writes the access log."""
    from openmash.contacts.models import ContactPerson

    contact_person = (
        ContactPerson.objects.for_user(user)
        .select_related("contact", "person", "person__possible_duplicate_of")
        .get(pk=pk)
    )
    reason = restricted_access_reason(user, [contact_person.person])
    access_record(user, contact_person, channel, person_id=contact_person.person_id, reason=reason)
    return contact_person
