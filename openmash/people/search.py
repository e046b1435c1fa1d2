"""Find the people in the index who may be the person searched for, best first, with reasons.

Two steps (see ``matching``'s module docstring):

1. **Candidates from the database**, in one statement: a handful of branches on indexed
   columns, each capped, so the work does not grow with the size of the index — exact
   identifiers; the same date of birth; its likely mistypings with a name key in common; a
   surname key *and* a forename key in common (either way round, for names given in reverse
   order); everyone at the postcode; and on PostgreSQL, names misspelt so that their phonetic key
   changed, by trigram similarity (pg_trgm) with the other name's key in common. At most
   ``MAX_CANDIDATES`` go forward. The same statement reads the candidates' rows and, when the
   search has a name, their other names (only a search with a postcode reads addresses, in a
   second query).

   On PostgreSQL the key lookups compare the key strings as arrays of keys, on GIN indexes of
   those arrays (migration 0007), and the similarity lookups use GIN trigram indexes
   (migrations 0003 and 0005), all without a pending list (0006), so no branch scans the name
   table; SQLite, for the embedded demo, looks keys up with ``LIKE '% SM0 %'`` and scans its
   few hundred rows. ``bench/person_search.py`` measures it on 300,000 people.

   The statement is plain SQL put together from fragments (every value a parameter) rather than
   the ORM's: building and compiling five querysets cost more than running them, and one round
   trip replaces four or five. ``test_search`` runs it on SQLite and PostgreSQL.
2. **Scoring in Python** with ``matching.score_candidates``, the same on every database. The
   candidates are read as tuples; only the people shown become ``Person`` instances.

The function takes the queryset of people the caller may read: ``selectors.person_search``
passes the user's scope, the duplicate check in ``services`` the whole index. The branches find
people without the scope (they stay simple for the planner) and the scope is applied where
their rows are read, so nothing outside it is ever returned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from django.db import connections
from django.db.models import QuerySet

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


# -- The candidate statement ------------------------------------------------------------------
#
# Conditions are SQL fragments with their parameters, ``None`` meaning "not given": every value
# is a parameter, and the SQL is put together from constant fragments only (hence the
# ``noqa: S608`` below). Name columns are qualified with ``n`` (``people_personname``): the
# date-of-birth branch joins ``people_person``, which has a forename and a surname of its own.

_Condition = tuple[str, list] | None


def _any_key(column: str, keys, *, postgresql: bool) -> _Condition:
    """``column`` holds at least one of ``keys`` (whole keys, in the padded key string).

    On PostgreSQL the key string, as an array of keys, overlaps the keys (``&&``): a GIN index
    of exactly that expression (migration 0007) holds one entry per key, so the lookup reads only
    the names holding one of them. Elsewhere ``LIKE '% SM0 %'`` for each key (SQLite, for the
    embedded demo, scans its few hundred rows)."""
    if not keys:
        return None
    ordered = sorted(keys)
    if postgresql:
        return f"string_to_array(btrim({column}), ' ') && %s::text[]", [ordered]
    like = " OR ".join([f"{column} LIKE %s ESCAPE '\\'"] * len(ordered))
    return f"({like})", [f"%{key_term(key)}%" for key in ordered]


def _equal(column: str, value) -> _Condition:
    return (f"{column} = %s", [value]) if value else None


def _both(a: _Condition, b: _Condition) -> _Condition:
    if a is None or b is None:
        return None
    return f"({a[0]} AND {b[0]})", a[1] + b[1]


def _either(*conditions: _Condition) -> _Condition:
    present = [c for c in conditions if c is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return "(" + " OR ".join(sql for sql, _ in present) + ")", [p for _, ps in present for p in ps]


def _name_conditions(terms: PrefilterTerms, *, postgresql: bool) -> tuple[_Condition, _Condition]:
    """(a name key in common, a surname key and a forename key in common — either way round)."""

    def keys(column: str, given) -> _Condition:
        return _any_key(f"n.{column}", given, postgresql=postgresql)

    same_forename = _equal("n.canonical_forename", terms.canonical_forename)
    # Names typed in the other boxes: the forename given is their surname, and vice versa.
    full_name = _either(
        _both(
            keys("surname_keys", terms.surname_keys),
            _either(keys("forename_keys", terms.forename_keys), same_forename),
        ),
        _both(keys("surname_keys", terms.forename_keys), keys("forename_keys", terms.surname_keys)),
    )
    # Any name key in common, whichever box it was typed in: two key lookups rather than four
    # (the same rows; PostgreSQL plans and checks the shorter condition in half the time).
    name_keys = terms.surname_keys | terms.forename_keys
    any_name = _either(
        keys("surname_keys", name_keys), keys("forename_keys", name_keys), same_forename
    )
    return any_name, full_name


@dataclass(frozen=True)
class _Branch:
    """One way of finding candidates: a SELECT of one column, ``person_id``, and the most rows
    it may add (besides ``MAX_CANDIDATES``)."""

    sql: str
    params: list
    cap: int = MAX_CANDIDATES


def _person_branch(condition: _Condition, cap: int = MAX_CANDIDATES) -> _Branch | None:
    if condition is None:
        return None
    return _Branch(
        f'SELECT id AS person_id FROM "people_person" WHERE {condition[0]}',  # noqa: S608
        condition[1],
        cap,
    )


def _name_branch(condition: _Condition) -> _Branch | None:
    if condition is None:
        return None
    return _Branch(
        f'SELECT n.person_id FROM "people_personname" n WHERE {condition[0]}',  # noqa: S608
        condition[1],
    )


def _branches(query: PersonQuery, *, postgresql: bool, adapt_date) -> list[_Branch]:
    """The ways of finding candidates for ``query``, strongest evidence first: exact
    identifiers; the same date of birth; its likely mistypings with a name key in common; a
    surname key *and* a forename key in common; everyone at the postcode; and on PostgreSQL,
    names misspelt so that their key changed, by trigram similarity."""
    terms = prefilter_terms(query)
    branches: list[_Branch | None] = [
        _person_branch(
            _either(
                _equal("nhs_number", terms.nhs_number),
                _equal("upn", terms.upn),
                _equal("local_id", terms.local_id.upper()),
            )
        )
    ]
    any_name, full_name = _name_conditions(terms, postgresql=postgresql)
    surname = query.surname.strip()
    # On PostgreSQL, surnames spelt so differently that the sound (and so the key) changed:
    # "Kowalczyk" typed "Kowalcyzk". pg_trgm's % operator, on a GIN trigram index.
    similar_surname = ("n.surname %% %s", [surname]) if postgresql and surname else None

    if terms.dobs:
        # Everyone born that very day (a few dozen at most), whatever their names are spelt
        # like; then the likely mistypings of the date with a name in common. The date of birth
        # index leads: a hundred people at most, whose names are then compared.
        branches.append(
            _person_branch(_equal("date_of_birth", adapt_date(query.dob)), _MAX_SAME_BIRTHDAY)
        )
        dobs = [adapt_date(dob) for dob in sorted(terms.dobs)]
        born_in = f"date_of_birth IN ({', '.join(['%s'] * len(dobs))})"
        # The similar surname only filters the people born on those dates (the date of birth
        # index leads), so coalesce() keeps the planner from estimating how many names are
        # similar, a fifth of a millisecond of planning; the rows are the same (% never gives
        # NULL here, and NULL would not pass the WHERE either).
        similar_filter = None
        if similar_surname is not None:
            similar_filter = ("coalesce(n.surname %% %s, false)", similar_surname[1])
        named = _either(any_name, similar_filter)
        if named is not None:
            branches.append(
                _Branch(
                    'SELECT n.person_id FROM "people_personname" n INNER JOIN "people_person" p '  # noqa: S608
                    f"ON p.id = n.person_id WHERE {named[0]} AND p.{born_in}",
                    named[1] + dobs,
                )
            )
        else:
            branches.append(_person_branch((born_in, dobs)))

    if full_name is not None:
        branches.append(_name_branch(full_name))
    elif not terms.dobs and not terms.postcode:
        # Only one name given: everyone sharing its key, as far as the cap allows.
        branches.append(_name_branch(any_name))

    if terms.postcode:
        branches.append(
            _Branch(
                'SELECT person_id FROM "people_address" WHERE postcode = %s',
                [terms.postcode],
                _MAX_AT_POSTCODE,
            )
        )

    if similar_surname is not None and not terms.dobs:
        # Names only, one of them misspelt so that its key changed ("Jennnifer", "Anrea"):
        # a trigram-similar surname with a forename key in common, or the other way round.
        # (With a date of birth, everyone born that day is a candidate already.) Both halves
        # are on the name row, so PostgreSQL intersects the indexes' bitmaps before reading.
        forename = query.forename.strip()
        branches.append(
            _name_branch(
                _either(
                    _both(
                        similar_surname,
                        _any_key("n.forename_keys", terms.forename_keys, postgresql=True),
                    ),
                    _both(
                        _any_key("n.surname_keys", terms.surname_keys, postgresql=True),
                        ("n.forename %% %s", [forename]) if forename else None,
                    ),
                )
            )
        )
    return [branch for branch in branches if branch is not None]


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
#: A candidate's previous names and aliases, joined to its row: (forename, surname) in the order
#: they were recorded.
_OTHER_NAME_FIELDS = ("forename", "surname", "created_at", "id")
_FIRST = 2  # each row starts with the branch and the row's place in it


def _statement(
    branches: list[_Branch],
    scope: tuple[str, list] | None,
    *,
    with_other_names: bool,
    time_zone: str | None = None,
) -> tuple[str, list]:
    """One statement for the whole search: every branch (each capped, numbering its rows), the
    rows of the people they found in ``people`` and, if asked, each one's other names.

    With ``time_zone`` (PostgreSQL), date-times are read as local times in that zone (``AT TIME
    ZONE``), for ``_converters`` to make aware again: psycopg reads those in C, where Django's
    loader for ``timestamptz`` parses each one in Python (a third of reading the rows)."""
    found, params = [], []
    for number, branch in enumerate(branches):
        found.append(
            f"SELECT {number}, ROW_NUMBER() OVER (), person_id "  # noqa: S608
            f"FROM ({branch.sql} LIMIT %s) AS branch{number}"
        )
        params += branch.params
        params.append(min(MAX_CANDIDATES, branch.cap))
    fields = [(name, "p", Person) for name in _PERSON_FIELDS]
    if with_other_names:
        fields += [(name, "o", PersonName) for name in _OTHER_NAME_FIELDS]
    columns = []
    for name, table, model in fields:
        field = model._meta.get_field(name)
        if time_zone is not None and field.get_internal_type() == "DateTimeField":
            columns.append(f"{table}.{field.column} AT TIME ZONE %s")
            params.append(time_zone)
        else:
            columns.append(f"{table}.{field.column}")
    joins = ""
    if with_other_names:
        joins = ' LEFT OUTER JOIN "people_personname" o ON o.person_id = p.id AND o.kind <> %s'
        params.append(NameKind.CURRENT)
    sql = (
        f"WITH found (branch, place, person_id) AS ({' UNION ALL '.join(found)}) "  # noqa: S608
        f"SELECT found.branch, found.place, {', '.join(columns)} "
        f'FROM found INNER JOIN "people_person" p ON p.id = found.person_id{joins}'
    )
    if scope is not None:
        sql += f" WHERE p.id IN ({scope[0]})"
        params += scope[1]
    return sql, params


def _scope(people: QuerySet) -> tuple[str, list] | None:
    """``people`` as a subquery of IDs, or None when it is the whole index."""
    if not people.query.where:
        return None
    sql, params = people.order_by().values("pk").query.get_compiler(people.db).as_sql()
    return sql, list(params)


_CONVERTERS: dict = {}


def _converters(connection, *, with_other_names: bool) -> list:
    """(column, converters, expression) turning the database's values into the fields' Python
    values, as the ORM would: SQLite returns UUIDs, dates and booleans as text and integers;
    on PostgreSQL the date-times, read as local times (see ``_statement``), get their zone."""
    key = (connection.alias, connection.vendor, with_other_names)
    if key not in _CONVERTERS:
        columns = [Person._meta.get_field(name).get_col("p") for name in _PERSON_FIELDS]
        if with_other_names:
            columns += [
                PersonName._meta.get_field(name).get_col("o") for name in _OTHER_NAME_FIELDS
            ]
        compiler = Person.unscoped.all().query.get_compiler(connection=connection)
        converters = compiler.get_converters(columns)
        if connection.vendor == "postgresql":
            for index, column in enumerate(columns):
                if column.output_field.get_internal_type() == "DateTimeField":
                    functions = converters.get(index, ([], column))[0]
                    converters[index] = ([_with_time_zone, *functions], column)
        _CONVERTERS[key] = [
            (index + _FIRST, functions, expression)
            for index, (functions, expression) in sorted(converters.items())
        ]
    return _CONVERTERS[key]


def _with_time_zone(value, expression, connection):
    return value if value is None else value.replace(tzinfo=connection.timezone)


def _candidates(
    people: QuerySet, query: PersonQuery, *, with_other_names: bool
) -> tuple[list, dict, dict]:
    """(IDs of the people in ``people`` worth scoring for ``query``, strongest evidence first,
    at most ``MAX_CANDIDATES``; their rows of ``_PERSON_FIELDS`` by ID; if asked, each one's
    previous names and aliases as (forename, surname), oldest first) — in one statement.

    The branches' caps work as if each branch were its own query run in turn: a branch adds at
    most as many rows as there is room left, people already found counting against it.
    """
    connection = connections[people.db]
    postgresql = connection.vendor == "postgresql"
    branches = _branches(
        query, postgresql=postgresql, adapt_date=connection.ops.adapt_datefield_value
    )
    if not branches:
        return [], {}, {}
    sql, params = _statement(
        branches,
        _scope(people),
        with_other_names=with_other_names,
        time_zone=connection.timezone_name if postgresql else None,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection, with_other_names=with_other_names)
    width = len(_PERSON_FIELDS)
    end = _FIRST + width
    found: list[dict] = [{} for _ in branches]
    people_rows: dict = {}
    names: dict = defaultdict(dict)
    for row in rows:
        if converters:
            row = list(row)
            for index, functions, expression in converters:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
        person = tuple(row[_FIRST:end])
        pk = person[_PK]
        found[row[0]][row[1]] = pk
        people_rows[pk] = person
        if with_other_names and row[-1] is not None:
            names[pk][row[-1]] = row[end:]
    ids: dict = {}
    for branch, places in zip(branches, found, strict=True):
        room = MAX_CANDIDATES - len(ids)
        if room <= 0:
            break
        for place in sorted(places)[: min(room, branch.cap)]:
            ids.setdefault(places[place], None)
    other_names = {
        pk: [
            (forename, surname)
            for forename, surname, _, _ in sorted(held.values(), key=itemgetter(2, 3))
        ]
        for pk, held in names.items()
    }
    return list(ids), people_rows, other_names


def candidate_ids(query: PersonQuery) -> list:
    """IDs of the people in the index worth scoring for ``query``, strongest evidence first, at
    most ``MAX_CANDIDATES``."""
    return _candidates(Person.unscoped.all(), query, with_other_names=False)[0]


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
    with_names = bool((query.forename or "").strip() or (query.surname or "").strip())
    ids, rows, other_names = _candidates(people, query, with_other_names=with_names)
    if not ids:
        return []
    addresses = defaultdict(list)
    if (query.postcode or "").strip():
        for person_id, postcode, date_from, date_to in (
            Address.objects.filter(person_id__in=ids)
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
