"""Find the people in the index who may be the person searched for, best first, with reasons.

Two steps (see ``matching``'s module docstring):

1. **Candidates from the database**, a handful of small queries on indexed columns, each capped,
   so the work does not grow with the size of the index: exact identifiers; the same date of
   birth; its likely mistypings with a name key in common; a surname key *and* a forename key in
   common (either way round, for names given in reverse order); everyone at the postcode; and on
   PostgreSQL, names misspelt so that their phonetic key changed, by trigram similarity (pg_trgm)
   with the other name's key in common. At most ``MAX_CANDIDATES`` go forward.

   On PostgreSQL the key lookups compare the key strings as arrays of keys, on GIN indexes of
   those arrays (migration 0007), and the similarity lookups use GIN trigram indexes
   (migrations 0003 and 0005), all without a pending list (0006), so no query scans the name
   table; SQLite, for the embedded demo, looks keys up with ``LIKE '% SM0 %'`` and scans its
   few hundred rows. ``bench/person_search.py`` measures it on 300,000 people.
2. **Scoring in Python** with ``matching.score_candidates``, the same on every database. The
   candidates (with their other names, in the same query) are read as tuples; only the people
   shown become ``Person`` instances.

The function takes the queryset of people the caller may read: ``selectors.person_search``
passes the user's scope, the duplicate check in ``services`` the whole index. Candidate IDs are
found without the scope (the branch queries stay simple for the planner) and the scope is
applied when the candidates are loaded, so nothing outside it is ever returned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import itemgetter, or_

from django.db import connection
from django.db.models import F, FilteredRelation, Func, Q, QuerySet, TextField

from .codes import NameKind
from .matching import (
    AddressPostcode,
    CandidateRecord,
    PersonQuery,
    PrefilterTerms,
    key_term,
    prefilter_terms,
    score_candidates,
)
from .models import Address, Person, PersonName

__all__ = ["MAX_CANDIDATES", "PersonMatch", "candidate_ids", "person_matches"]

#: The most candidates scored for one search. Scoring 500 takes a few milliseconds.
MAX_CANDIDATES = 500
#: People born on one day (about 10 a day in an index of 300,000 people of all ages).
_MAX_SAME_BIRTHDAY = 100
#: People at one postcode (a block of flats holds a few dozen; more is not one household).
_MAX_AT_POSTCODE = 100


@dataclass(frozen=True)
class PersonMatch:
    person: Person
    score: int
    reasons: list[str]


def _any_key(field: str, keys) -> Q | None:
    """``field`` holds at least one of ``keys`` (whole keys, in the padded key string).

    On PostgreSQL the key string, as an array of keys, overlaps the keys (``&&``): a GIN index
    of that expression (migration 0007) holds one entry per key, so the lookup reads only the
    names holding one of them. Elsewhere ``LIKE '% SM0 %'`` for each key (SQLite, for the
    embedded demo, scans its few hundred rows)."""
    if not keys:
        return None
    ordered = sorted(keys)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField
        from django.contrib.postgres.fields.array import ArrayOverlap

        # Exactly the indexed expression: string_to_array(btrim(surname_keys), ' ').
        key_list = Func(
            F(field),
            template="string_to_array(btrim(%(expressions)s), ' ')",
            output_field=ArrayField(TextField()),
        )
        return Q(ArrayOverlap(key_list, ordered))
    return reduce(or_, (Q(**{f"{field}__contains": key_term(k)}) for k in ordered))


def _both(a: Q | None, b: Q | None) -> Q | None:
    return a & b if a is not None and b is not None else None


def _either(*conditions: Q | None) -> Q | None:
    present = [c for c in conditions if c is not None]
    return reduce(or_, present) if present else None


def _name_conditions(terms: PrefilterTerms) -> tuple[Q | None, Q | None]:
    """(a name key in common, a surname key and a forename key in common — either way round)."""
    surname_as_surname = _any_key("surname_keys", terms.surname_keys)
    forename_as_forename = _either(
        _any_key("forename_keys", terms.forename_keys),
        Q(canonical_forename=terms.canonical_forename) if terms.canonical_forename else None,
    )
    # Names typed in the other boxes: the forename given is their surname, and vice versa.
    forename_as_surname = _any_key("surname_keys", terms.forename_keys)
    surname_as_forename = _any_key("forename_keys", terms.surname_keys)
    # Any name key in common, whichever box it was typed in: two key lookups rather than four
    # (the same rows; PostgreSQL plans and checks the shorter condition in half the time).
    name_keys = terms.surname_keys | terms.forename_keys
    any_name = _either(
        _any_key("surname_keys", name_keys),
        _any_key("forename_keys", name_keys),
        Q(canonical_forename=terms.canonical_forename) if terms.canonical_forename else None,
    )
    full_name = _either(
        _both(surname_as_surname, forename_as_forename),
        _both(forename_as_surname, surname_as_forename),
    )
    return any_name, full_name


def candidate_ids(query: PersonQuery) -> list:
    """IDs of the people worth scoring for ``query``, strongest evidence first, at most
    ``MAX_CANDIDATES``. One to five queries, each on indexed columns and capped."""
    terms = prefilter_terms(query)
    found: dict = {}

    def take(values) -> None:
        for value in values:
            if len(found) >= MAX_CANDIDATES:
                return
            found.setdefault(value, None)

    def room() -> int:
        return MAX_CANDIDATES - len(found)

    identifiers = _either(
        Q(nhs_number=terms.nhs_number) if terms.nhs_number else None,
        Q(upn=terms.upn) if terms.upn else None,
        Q(local_id=terms.local_id.upper()) if terms.local_id else None,
    )
    if identifiers is not None:
        take(Person.unscoped.filter(identifiers).values_list("id", flat=True)[:MAX_CANDIDATES])

    any_name, full_name = _name_conditions(terms)
    names = PersonName.objects.values_list("person_id", flat=True)
    # On PostgreSQL, surnames spelt so differently that the sound (and so the key) changed:
    # "Kowalczyk" typed "Kowalcyzk". pg_trgm's % operator, on a GIN trigram index.
    similar_surname = None
    if connection.vendor == "postgresql" and query.surname.strip():
        from django.contrib.postgres.lookups import TrigramSimilar

        similar_surname = TrigramSimilar(F("surname"), query.surname.strip())

    if terms.dobs and room():
        # Everyone born that very day (a few dozen at most), whatever their names are spelt
        # like; then the likely mistypings of the date with a name in common. The date of birth
        # index leads: a hundred people at most, whose names are then compared.
        born = Person.unscoped.values_list("id", flat=True)
        take(born.filter(date_of_birth=query.dob)[: min(room(), _MAX_SAME_BIRTHDAY)])
        dobs = sorted(terms.dobs)
        named = _either(any_name, Q(similar_surname) if similar_surname is not None else None)
        if named is not None:
            take(names.filter(named, person__date_of_birth__in=dobs)[: room()])
        else:
            take(born.filter(date_of_birth__in=dobs)[: room()])

    if full_name is not None and room():
        take(names.filter(full_name)[: room()])
    elif any_name is not None and not terms.dobs and not terms.postcode and room():
        # Only one name given: everyone sharing its key, as far as the cap allows.
        take(names.filter(any_name)[: room()])

    if terms.postcode and room():
        at_postcode = Address.objects.filter(postcode=terms.postcode).order_by()
        take(at_postcode.values_list("person_id", flat=True)[: min(room(), _MAX_AT_POSTCODE)])

    if similar_surname is not None and not terms.dobs and room():
        # Names only, one of them misspelt so that its key changed ("Jennnifer", "Anrea"):
        # a trigram-similar surname with a forename key in common, or the other way round.
        # (With a date of birth, everyone born that day is a candidate already.) Both halves
        # are on the name row, so PostgreSQL intersects the indexes' bitmaps before reading.
        from django.contrib.postgres.lookups import TrigramSimilar

        forename = query.forename.strip()
        misspelt = _either(
            _both(Q(similar_surname), _any_key("forename_keys", terms.forename_keys)),
            _both(
                _any_key("surname_keys", terms.surname_keys),
                Q(TrigramSimilar(F("forename"), forename)) if forename else None,
            ),
        )
        if misspelt is not None:
            take(names.filter(misspelt)[: room()])

    return list(found)


#: Every column of a person, in model order: candidates are read as tuples (a few hundred model
#: instances cost more than the scoring) and only the people shown become ``Person`` instances,
#: built from the same row with ``Model.from_db`` (so they are whole, with no deferred fields).
_PERSON_FIELDS = tuple(field.attname for field in Person._meta.concrete_fields)
_COLUMN = {name: index for index, name in enumerate(_PERSON_FIELDS)}
_PK = _COLUMN[Person._meta.pk.attname]
_FORENAME, _MIDDLE_NAMES, _SURNAME = (
    _COLUMN["forename"],
    _COLUMN["middle_names"],
    _COLUMN["surname"],
)
_DOB, _EDD, _POSTCODE = (
    _COLUMN["date_of_birth"],
    _COLUMN["expected_delivery_date"],
    _COLUMN["postcode"],
)
_NHS_NUMBER, _UPN, _LOCAL_ID = _COLUMN["nhs_number"], _COLUMN["upn"], _COLUMN["local_id"]


def _candidate_record(row: tuple, other_names, addresses) -> CandidateRecord:
    """The person (a row of ``_PERSON_FIELDS``) as ``matching`` sees them: current name first,
    then every other name; the current address first, then the rest newest first."""
    forename, middle_names = row[_FORENAME], row[_MIDDLE_NAMES]
    forenames = [forename]
    if middle_names:
        forenames.append(f"{forename} {middle_names}")
    surnames = [row[_SURNAME]]
    for other_forename, other_surname in other_names:
        forenames.append(other_forename)
        surnames.append(other_surname)
    if len(addresses) > 1:
        addresses = sorted(
            addresses,
            key=lambda a: (a.to_date is not None, -(a.from_date or date.min).toordinal()),
        )
    if row[_POSTCODE] and not addresses:
        addresses = [AddressPostcode(row[_POSTCODE])]
    return CandidateRecord(
        id=row[_PK],
        forenames=forenames,
        surnames=surnames,
        dob=row[_DOB] or row[_EDD],
        postcodes=addresses,
        nhs_number=row[_NHS_NUMBER],
        upn=row[_UPN],
        local_id=row[_LOCAL_ID],
    )


_NO_ENTRIES: tuple = ()
_OTHER_NAME_FIELDS = (
    "other_name__forename",
    "other_name__surname",
    "other_name__created_at",
    "other_name__id",
)


def _candidate_rows(people: QuerySet, ids: list, *, with_other_names: bool) -> tuple[dict, dict]:
    """The candidates in ``people`` as rows of ``_PERSON_FIELDS`` by ID and, if asked, each
    one's previous names and aliases as (forename, surname), oldest first — in one query (a
    LEFT JOIN of the names that are not the current one: one row per person without any)."""
    candidates = people.filter(pk__in=ids).order_by()
    if not with_other_names:
        return {row[_PK]: row for row in candidates.values_list(*_PERSON_FIELDS)}, {}
    candidates = candidates.annotate(
        other_name=FilteredRelation("names", condition=~Q(names__kind=NameKind.CURRENT))
    )
    width = len(_PERSON_FIELDS)
    rows: dict = {}
    found: dict = defaultdict(list)
    for row in candidates.values_list(*_PERSON_FIELDS, *_OTHER_NAME_FIELDS):
        pk = row[_PK]
        if pk not in rows:
            rows[pk] = row[:width]
        if row[width + 3] is not None:
            found[pk].append(row[width:])
    other_names = {
        pk: [(forename, surname) for forename, surname, _, _ in sorted(names, key=itemgetter(2, 3))]
        for pk, names in found.items()
    }
    return rows, other_names


def person_matches(
    people: QuerySet, query: PersonQuery, *, limit: int = 20, min_score: int = 1
) -> list[PersonMatch]:
    """The best ``limit`` people in ``people`` for ``query``, with scores and reasons.

    Candidates, their other names and their addresses are read as plain tuples rather than model
    instances: for a few hundred candidates Django's per-instance work cost more than the
    queries themselves. Other names are read only when the query has a name, and addresses only
    when it has a postcode (nothing else is scored on them).
    """
    if people.query.is_empty():
        return []
    ids = candidate_ids(query)
    if not ids:
        return []
    with_names = bool((query.forename or "").strip() or (query.surname or "").strip())
    rows, other_names = _candidate_rows(people, ids, with_other_names=with_names)
    if not rows:
        return []
    addresses = defaultdict(list)
    if (query.postcode or "").strip():
        for person_id, postcode, date_from, date_to in (
            Address.objects.filter(person_id__in=list(rows))
            .exclude(postcode="")
            .order_by()
            .values_list("person_id", "postcode", "date_from", "date_to")
        ):
            addresses[person_id].append(AddressPostcode(postcode, date_from, date_to))
    records = [
        _candidate_record(
            rows[pk], other_names.get(pk, _NO_ENTRIES), addresses.get(pk, _NO_ENTRIES)
        )
        for pk in ids
        if pk in rows
    ]
    ranked = score_candidates(query, records, min_score=min_score)[:limit]
    db = people.db
    return [
        PersonMatch(
            person=Person.from_db(db, _PERSON_FIELDS, rows[record.id]),
            score=match.score,
            reasons=match.reasons,
        )
        for record, match in ranked
    ]
