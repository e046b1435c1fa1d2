"""Person matching for the person index: "is this child already known?"

Pure: no ORM. A search works in two steps, and this module serves both:

1. **Pre-filter in the database**, cheaply and on SQLite and PostgreSQL alike, using values this
   module computes and the person model stores in ordinary indexed columns:

   * ``surname_keys`` = :func:`surname_key_string` of every surname the person is known by
     (current, previous, aliases), and ``forename_keys`` = :func:`forename_key_string` of every
     forename — space-separated Double Metaphone keys, padded with a space at each end so that
     ``surname_keys__contains=key_term("SM0")`` (``LIKE '% SM0 %'``) finds one whole key.
     Forename keys also hold the keys of the full forms of nicknames, so "Bill" and "William"
     share a key. (Or one ``name_keys`` column from :func:`phonetic_key_string`.)
   * ``canonical_forename`` = :func:`canonical_forename` for an equality lookup.
   * ``dob``, normalised postcodes and identifiers, compared with ``=`` / ``IN``:
     :func:`dob_variants` lists the mistyped dates worth trying.

   :func:`prefilter_terms` turns a :class:`PersonQuery` into these values. A reasonable filter:
   any identifier equal, or the date of birth in ``dobs`` with any surname or forename key in
   common, or a surname key and a forename key in common — checking the query's forename keys
   against ``surname_keys`` too, to catch names given in reverse order.

2. **Score each candidate in Python** with :func:`score_candidate` (or rank a list with
   :func:`score_candidates`), giving a 0–100 score and the human-readable reasons for it. The same
   code runs whatever the database, and scoring is deterministic (no set iteration decides an
   outcome) and fast (name comparisons are cached; 2,000 candidates score in about 10 ms once warm).

Names are compared on :func:`name_tokens` (lower case, no accents or punctuation, hyphenated and
double-barrelled names split into parts); typos with the optimal string alignment distance
(transposed letters count as one edit), sound with Double Metaphone plus a Jaro–Winkler floor so
that short names with one key ("Zoe", "Sue") do not collide, and nicknames with
:data:`openmash.people.nicknames.NICKNAME_GROUPS`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from metaphone import doublemetaphone
from rapidfuzz.distance import OSA, JaroWinkler

from openmash.people.identifiers import (
    is_valid_nhs_number,
    is_valid_upn,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
)
from openmash.people.nicknames import NICKNAME_GROUPS

__all__ = [
    "AddressPostcode",
    "CandidateRecord",
    "Match",
    "PersonQuery",
    "PrefilterTerms",
    "canonical_forename",
    "dob_variants",
    "forename_key_string",
    "forename_keys",
    "key_term",
    "name_tokens",
    "nickname_groups",
    "phonetic_key_string",
    "phonetic_keys",
    "prefilter_terms",
    "score_candidate",
    "score_candidates",
    "surname_key_string",
    "surname_keys",
]


# --------------------------------------------------------------------------------------------
# Inputs and output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonQuery:
    """What the searcher knows; any field may be blank."""

    forename: str = ""
    surname: str = ""
    dob: date | None = None
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""
    local_id: str = ""


@dataclass(frozen=True)
class AddressPostcode:
    """A postcode from a person's address history; the dates are optional."""

    postcode: str
    from_date: date | None = None
    to_date: date | None = None


@dataclass(frozen=True)
class CandidateRecord:
    """A person already held. Names are lists: the first is the current name, the rest are
    previous names and aliases. Postcodes are plain strings (current first) or
    :class:`AddressPostcode` when the address dates are known."""

    id: Any
    forenames: Sequence[str] = ()
    surnames: Sequence[str] = ()
    dob: date | None = None
    postcodes: Sequence[str | AddressPostcode] = ()
    nhs_number: str = ""
    upn: str = ""
    local_id: str = ""


@dataclass(frozen=True)
class Match:
    """A candidate's score (0–100) and the reasons for it, strongest evidence first."""

    score: int
    reasons: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Names: tokens, phonetic keys, nicknames
# --------------------------------------------------------------------------------------------

_APOSTROPHES = dict.fromkeys(map(ord, "'\u2018\u2019\u02bc`\u00b4"), None)
# Letters that Unicode decomposition leaves alone but people type without the mark.
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
# Surname particles: kept in the full name, but "van" alone is no evidence that "Van Dyke" is
# "Van Der Berg".
_PARTICLES = frozenset(
    {"al", "da", "de", "del", "della", "den", "der", "des", "di", "du", "el", "la", "le", "st"}
    | {"van", "von", "bin", "ibn"}
)


# Plain ASCII (most names): apostrophes dropped, anything but a letter a space.
_ASCII_TOKENS = {code: " " for code in range(128) if not chr(code).isalpha()} | {
    ord("'"): None,
    ord("`"): None,
}


@functools.lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[str, ...]:
    if name.isascii():  # the same as below, without the Unicode steps that change nothing
        return tuple(name.lower().translate(_ASCII_TOKENS).split())
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_APOSTROPHES).translate(_PLAIN_LETTERS)
    return tuple("".join(c if c.isalpha() else " " for c in text).split())


def name_tokens(name: str) -> list[str]:
    """Lower-case, accent- and punctuation-free parts of a name: ``"Smith-Jones"`` ->
    ``["smith", "jones"]``, ``"O'Brien"`` -> ``["obrien"]``, ``"Zoë"`` -> ``["zoe"]``."""
    return list(_tokens(name or ""))


@functools.lru_cache(maxsize=65536)
def _word_keys(word: str) -> frozenset[str]:
    primary, secondary = doublemetaphone(word)
    return frozenset(key for key in (primary, secondary) if key)


@dataclass(frozen=True)
class _Name:
    raw: str
    tokens: tuple[str, ...]
    compact: str  # the tokens run together: "smithjones"
    parts: tuple[str, ...]  # tokens that can stand alone: no particles or initials

    # The keys are worked out when first asked for: scoring compares most candidates' names
    # without them (a forename with its middle names, "Mary Grace", is a name of its own whose
    # keys are seldom needed).

    @functools.cached_property
    def compact_keys(self) -> frozenset[str]:
        return _word_keys(self.compact) if self.compact else frozenset()

    @functools.cached_property
    def keys(self) -> frozenset[str]:
        """The compact keys and the keys of every part."""
        # The whole name's keys join "Mac Donald" to "McDonald"; for three or more parts they
        # are long, never shared, and would only bloat the stored key strings.
        whole = self.compact_keys if len(self.parts) <= 2 else frozenset()
        return whole.union(*(_word_keys(p) for p in self.parts))


@functools.lru_cache(maxsize=65536)
def _name(raw: str) -> _Name:
    tokens = _tokens(raw)
    parts = tuple(t for t in tokens if len(t) > 1 and t not in _PARTICLES)
    return _Name(raw.strip(), tokens, "".join(tokens), parts)


def phonetic_keys(name: str) -> set[str]:
    """Double Metaphone keys (primary and secondary) of each part and, for names of one or two
    parts, of the whole name:
    ``"Smith-Jones"`` -> ``{"SM0JNS", "XMTJNS", "SM0", "XMT", "JNS", "ANS"}``."""
    return set(_name(name or "").keys)


def _build_nickname_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for canonical, variants in NICKNAME_GROUPS.items():
        for variant in (canonical, *variants):
            index.setdefault(variant, set()).add(canonical)
    return {variant: frozenset(groups) for variant, groups in index.items()}


_NICKNAME_INDEX = _build_nickname_index()


def nickname_groups(token: str) -> frozenset[str]:
    """The canonical forenames a one-word forename may stand for: ``"alex"`` ->
    ``{"alexander", "alexandra"}``; empty for a name not in the table."""
    return _NICKNAME_INDEX.get(token, frozenset())


def canonical_forename(name: str) -> str:
    """The canonical form of the first forename, for an equality lookup: ``"Bill"`` ->
    ``"william"``, ``"Lizzie May"`` -> ``"elizabeth"``, ``"Zara"`` -> ``"zara"``.

    A nickname of several names maps to the first alphabetically ("Alex" -> "alexander"), so
    equality misses "Alexandra"; the forename key columns catch that case.
    """
    tokens = _tokens(name or "")
    if not tokens:
        return ""
    first = tokens[0]
    groups = nickname_groups(first)
    if not groups or first in groups:
        return first
    return min(groups)


def _as_names(names: str | Iterable[str]) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


def surname_keys(names: str | Iterable[str]) -> frozenset[str]:
    """Phonetic keys of every given surname."""
    return frozenset().union(*(_name(n or "").keys for n in _as_names(names)))


def forename_keys(names: str | Iterable[str]) -> frozenset[str]:
    """Phonetic keys of every given forename and of the full forms of any nicknames among them,
    so that "Bill" and "Billy" and "William" all share a key."""
    keys: set[str] = set()
    for raw in _as_names(names):
        keys |= _name(raw or "").keys
        for token in _tokens(raw or ""):
            for canonical in nickname_groups(token):
                keys |= _word_keys(canonical)
    return frozenset(keys)


def _key_string(keys: Iterable[str]) -> str:
    ordered = sorted(set(keys))
    return f" {' '.join(ordered)} " if ordered else ""


def key_term(key: str) -> str:
    """The substring to look for in a key string column to find one whole key."""
    return f" {key} "


def surname_key_string(names: str | Iterable[str]) -> str:
    """The value to store in a ``surname_keys`` column: sorted keys, space-separated and padded,
    e.g. ``" ANS JNS SM0 SM0JNS XMT XMTJNS "`` for "Smith-Jones"."""
    return _key_string(surname_keys(names))


def forename_key_string(names: str | Iterable[str]) -> str:
    """The value to store in a ``forename_keys`` column (see :func:`forename_keys`)."""
    return _key_string(forename_keys(names))


def phonetic_key_string(forename: str | Iterable[str], surname: str | Iterable[str]) -> str:
    """Forename and surname keys in one padded string for a single ``name_keys`` column, each
    key prefixed by ``f:`` or ``s:``, e.g. ``" f:ALM f:FLM f:PL s:SM0 s:XMT "`` for
    "Bill Smith". Look one up with ``key_term("s:SM0")``."""
    return _key_string(
        [f"f:{k}" for k in forename_keys(forename)] + [f"s:{k}" for k in surname_keys(surname)]
    )


# --------------------------------------------------------------------------------------------
# Dates of birth
# --------------------------------------------------------------------------------------------

_DOB_POINTS = 30  # full marks for the date of birth


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _add_days(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _swap_digits(text: str, i: int) -> str:
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


@functools.lru_cache(maxsize=4096)
def _dob_relations(dob: date) -> dict[date, tuple[int, str]]:
    """Dates someone may have typed instead of ``dob``, each with its points and reason; when a
    date is reachable in several ways the first (most likely) explanation below wins."""
    found: dict[date, tuple[int, str]] = {}

    def add(candidate: date | None, points: int, reason: str) -> None:
        if candidate is not None and candidate != dob and candidate not in found:
            found[candidate] = (points, reason)

    y, m, d = dob.year, dob.month, dob.day
    add(_make_date(y, d, m), 24, "date of birth has day and month swapped")
    dd, mm, yyyy = f"{d:02d}", f"{m:02d}", f"{y:04d}"
    if dd[0] != dd[1]:
        add(_make_date(y, m, int(dd[::-1])), 22, "date of birth has the digits of the day swapped")
    if mm[0] != mm[1]:
        add(
            _make_date(y, int(mm[::-1]), d),
            22,
            "date of birth has the digits of the month swapped",
        )
    for i in range(3):
        if yyyy[i] != yyyy[i + 1]:
            add(
                _make_date(int(_swap_digits(yyyy, i)), m, d),
                22,
                "date of birth has two digits of the year swapped",
            )
    for delta in (-1, 1):
        add(_add_days(dob, delta), 20, "date of birth is one day out")
    for delta in (-1, 1):
        add(_make_date(y + delta, m, d), 18, "date of birth is one year out")
    for delta in (-10, 10):
        add(_make_date(y + delta, m, d), 14, "date of birth is ten years out")
    return found


def dob_variants(dob: date) -> set[date]:
    """``dob`` and the dates commonly typed instead of it — day and month swapped, two adjacent
    digits of the day, month or year swapped, a day either side, a year and ten years either
    side — for ``dob__in=`` when pre-filtering candidates. Impossible dates are left out.
    """
    return {dob, *_dob_relations(dob)}


def _dob_match(query_dob: date, candidate_dob: date) -> tuple[int, str]:
    if query_dob == candidate_dob:
        return _DOB_POINTS, "date of birth matches"
    related = _dob_relations(query_dob).get(candidate_dob)
    if related is not None:
        return related
    if _one_digit_apart(query_dob, candidate_dob):
        return 16, "date of birth differs by one digit"
    return _DOB_DIFFERS, "date of birth differs"


def _one_digit_apart(a: date, b: date) -> bool:
    """Whether the dates differ in exactly one digit written as DD/MM/YYYY."""
    pairs = ((a.day, b.day), (a.month, b.month), (a.year, b.year))
    differing = [(x, y) for x, y in pairs if x != y]
    if len(differing) != 1:
        return False
    x, y = differing[0]
    changed = 0
    while x or y:
        changed += x % 10 != y % 10
        x, y = x // 10, y // 10
    return changed == 1


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

_SURNAME_POINTS = 35
_FORENAME_POINTS = 25
_POSTCODE_POINTS = 10
_IDENTIFIER_FLOOR = 90
_SURNAME_DIFFERS = -5
_FORENAME_DIFFERS = -10
_DOB_DIFFERS = -10
_REVERSED_NAMES = -5
_NHS_NUMBER_DIFFERS = -25
_UPN_DIFFERS = -10
_LOCAL_ID_DIFFERS = -10
_NHS_NUMBER_NEAR_MISS = 10
# "Sounds like" needs this much spelling similarity as well, or one-key names collide.
_SOUNDS_LIKE_FLOOR = 0.7
# Forenames shorter than this are never treated as mistyped.
_FORENAME_TYPO_SHORTEST = 5
# Two names from one nickname group that also sound alike are spellings ("Katherine"), not
# nicknames.
_CLOSE_SPELLING = 0.85


def _is_typo(a: str, b: str, shortest: int = 4) -> bool:
    """One edit apart (two when both are 8 letters or more), a transposition counting as one
    edit. Short names never count: "Tom" and "Tim", "Mark" and "Mary" are different names."""
    shorter = min(len(a), len(b))
    if shorter < shortest:
        return False
    allowed = 1 if shorter < 8 else 2
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def _sounds_alike(a: _Name, b: _Name, floor: float = _SOUNDS_LIKE_FLOOR) -> bool:
    # The spelling first: it is cheaper than the keys of a name not yet seen, and seldom close.
    return JaroWinkler.similarity(a.compact, b.compact) >= floor and bool(
        a.compact_keys & b.compact_keys
    )


def _display(token: str, name: _Name) -> str:
    return name.raw if len(name.tokens) == 1 else token.title()


@functools.lru_cache(maxsize=65536)
def _surname_match(query_raw: str, candidate_raw: str) -> tuple[int, str, bool] | None:
    """Points, reason and whether it was exact, for one surname against another."""
    q, c = _name(query_raw), _name(candidate_raw)
    if not q.compact or not c.compact:
        return None
    if q.compact == c.compact:
        return _SURNAME_POINTS, "surname matches", True
    if (len(q.parts) > 1 or len(c.parts) > 1) and set(q.parts) & set(c.parts):
        if len(c.parts) > len(q.parts):
            return 30, f"surname is part of '{c.raw}'", False
        return 30, f"surname '{c.raw}' is part of '{q.raw}'", False
    if _sounds_alike(q, c):
        return 28, f"surname sounds like '{c.raw}'", False
    if _is_typo(q.compact, c.compact):
        return 27, f"surname is spelt like '{c.raw}' (possible typing error)", False
    if len(q.parts) > 1 or len(c.parts) > 1:
        for qp in q.parts:
            for cp in c.parts:
                if _sounds_alike(_name(qp), _name(cp)) or _is_typo(qp, cp):
                    return 22, f"surname is like part of '{c.raw}'", False
    return None


@functools.lru_cache(maxsize=65536)
def _forename_match(query_raw: str, candidate_raw: str) -> tuple[int, str, bool] | None:
    """Points, reason and whether it was exact, for one forename against another (either may
    hold several given names, e.g. "Mary Jane")."""
    q, c = _name(query_raw), _name(candidate_raw)
    if not q.compact or not c.compact:
        return None
    if q.compact == c.compact:
        return _FORENAME_POINTS, "forename matches", True
    if {t for t in q.tokens if len(t) > 1} & set(c.tokens):
        return 22, f"forename matches one of the forenames '{c.raw}'", False
    best: tuple[int, str, bool] | None = None
    for qt in q.tokens:
        q_groups = nickname_groups(qt)
        if not q_groups:
            continue
        for ct in c.tokens:
            shared = q_groups & nickname_groups(ct)
            if not shared:
                continue
            shown = _display(ct, c)
            if ct not in shared and qt not in shared:
                full = min(shared).title()
                found = (20, f"forename and '{shown}' are both forms of '{full}'", False)
            elif _sounds_alike(_name(qt), _name(ct), _CLOSE_SPELLING):
                found = (22, f"forename is another spelling of '{shown}'", False)
            elif ct in shared:
                found = (22, f"forename is a nickname of '{shown}'", False)
            else:
                found = (22, f"forename is the full form of '{shown}'", False)
            if best is None or found[0] > best[0]:
                best = found
    if best is not None:
        return best
    # Stricter than for surnames: twins share everything but their forenames, and short
    # forenames that differ only in a vowel ("Tom", "Tim") sound alike to Double Metaphone.
    if min(len(q.compact), len(c.compact)) >= 4 and _sounds_alike(q, c, _CLOSE_SPELLING):
        return 20, f"forename sounds like '{c.raw}'", False
    if _is_typo(q.compact, c.compact, shortest=_FORENAME_TYPO_SHORTEST):
        return 20, f"forename is spelt like '{c.raw}' (possible typing error)", False
    for qt in q.tokens[:1]:
        for ct in c.tokens[:1]:
            if (len(qt) == 1 or len(ct) == 1) and qt[0] == ct[0]:
                return 10, "forename initial matches", False
    return None


_MatchFn = Callable[[str, str], tuple[int, str, bool] | None]


def _best_name_match(
    match: _MatchFn, query_raw: str, candidate_names: Sequence[str], kind: str
) -> tuple[int, str] | None:
    """The best match against any of a candidate's names; an earlier name wins a tie."""
    best: tuple[int, str] | None = None
    for index, candidate_raw in enumerate(candidate_names):
        if not candidate_raw:
            continue
        found = match(query_raw, candidate_raw)
        if found is None:
            continue
        points, reason, exact = found
        if exact and index > 0:
            reason = f"{kind} matches another recorded {kind} '{candidate_raw.strip()}'"
        if best is None or points > best[0]:
            best = (points, reason)
            if exact:
                break
    return best


@dataclass(frozen=True, slots=True)
class _PreparedQuery:
    forename: str
    surname: str
    dob: date | None
    postcode: str
    nhs_number: str
    nhs_number_valid: bool
    upn: str
    upn_valid: bool
    local_id: str


@functools.lru_cache(maxsize=256)
def _prepare(query: PersonQuery) -> _PreparedQuery:
    nhs_number = normalise_nhs_number(query.nhs_number)
    upn = normalise_upn(query.upn)
    return _PreparedQuery(
        forename=(query.forename or "").strip() if _tokens(query.forename or "") else "",
        surname=(query.surname or "").strip() if _tokens(query.surname or "") else "",
        dob=query.dob,
        postcode=normalise_postcode(query.postcode),
        nhs_number=nhs_number,
        nhs_number_valid=is_valid_nhs_number(nhs_number),
        upn=upn,
        upn_valid=is_valid_upn(upn),
        local_id=(query.local_id or "").strip().casefold(),
    )


def _near_miss(a: str, b: str) -> bool:
    """One digit different, or two adjacent digits swapped."""
    if len(a) != len(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


# Candidates' identifiers and postcodes recur from search to search; remember the answers.
_nhs_number_valid = functools.lru_cache(maxsize=65536)(is_valid_nhs_number)
_upn_valid = functools.lru_cache(maxsize=65536)(is_valid_upn)
_postcode = functools.lru_cache(maxsize=65536)(normalise_postcode)


def _identifier_evidence(
    q: _PreparedQuery, c: CandidateRecord, reasons: list[str]
) -> tuple[bool, int]:
    """Whether an identifier matches exactly, and points for near misses and conflicts."""
    matched = False
    points = 0
    if q.nhs_number and c.nhs_number:
        theirs = normalise_nhs_number(c.nhs_number)
        if theirs == q.nhs_number:
            matched = True
            reasons.append("NHS number matches")
        elif q.nhs_number_valid and _nhs_number_valid(theirs):
            points += _NHS_NUMBER_DIFFERS
            reasons.append("NHS number differs")
        elif _near_miss(q.nhs_number, theirs):
            points += _NHS_NUMBER_NEAR_MISS
            reasons.append("NHS number is one digit or one swap away (possible typing error)")
    if q.upn and c.upn:
        theirs = normalise_upn(c.upn)
        if theirs == q.upn:
            matched = True
            reasons.append("UPN matches")
        elif q.upn_valid and _upn_valid(theirs):
            points += _UPN_DIFFERS
            reasons.append("UPN differs")
    if q.local_id and c.local_id:
        if c.local_id.strip().casefold() == q.local_id:
            matched = True
            reasons.append("local ID matches")
        else:
            points += _LOCAL_ID_DIFFERS
            reasons.append("local ID differs")
    return matched, points


# Each name given in the other box counts up to half the surname and forename points together.
_SWAPPED_PAIR_POINTS = (_SURNAME_POINTS + _FORENAME_POINTS) / 2


def _swapped_points(first: float, second: float) -> int:
    return round(_SWAPPED_PAIR_POINTS * (first + second)) + _REVERSED_NAMES


def _best_swapped_match(query_raw: str, candidate_names: Sequence[str]) -> tuple[float, str] | None:
    """The best match of a name typed in the other box: the fraction of full points under the
    surname or the forename rules, whichever is higher, and its reason."""
    best: tuple[float, str] | None = None
    for candidate_raw in candidate_names:
        if not candidate_raw:
            continue
        for match, full in ((_surname_match, _SURNAME_POINTS), (_forename_match, _FORENAME_POINTS)):
            found = match(query_raw, candidate_raw)
            if found is not None and (best is None or found[0] / full > best[0]):
                best = (found[0] / full, found[1])
    return best


def _name_evidence(q: _PreparedQuery, c: CandidateRecord, reasons: list[str]) -> int:
    surname = forename = None
    if q.surname:
        surname = _best_name_match(_surname_match, q.surname, c.surnames, "surname")
    if q.forename:
        forename = _best_name_match(_forename_match, q.forename, c.forenames, "forename")
    # (evidence, points when absent, reason when absent) for each part of the name
    parts = (
        (surname, _SURNAME_DIFFERS if q.surname and any(c.surnames) else 0, "surname differs"),
        (forename, _FORENAME_DIFFERS if q.forename and any(c.forenames) else 0, "forename differs"),
    )
    straight = sum(found[0] if found else absent for found, absent, _ in parts)

    if q.surname and q.forename and straight < _SURNAME_POINTS + _FORENAME_POINTS:
        # Scored on one scale whichever box each name was typed in, so that searching for A with
        # B's details scores the same as searching for B with A's.
        # The second name is compared only when the first matches and the pair could then
        # beat the names as given (neither counts for more than its full points, 1.0): for most
        # candidates the first does not match at all.
        first = _best_swapped_match(q.forename, c.surnames)
        ceiling = _swapped_points(first[0], 1.0) if first is not None else straight
        second = _best_swapped_match(q.surname, c.forenames) if ceiling > straight else None
        if first is not None and second is not None:
            swapped = _swapped_points(first[0], second[0])
            if swapped > straight:
                reasons.append("names in reverse order")
                reasons.extend(
                    reason
                    for _, reason in (first, second)
                    if reason not in ("surname matches", "forename matches")
                )
                return swapped

    for found, absent, absent_reason in parts:
        if found is not None:
            reasons.append(found[1])
        elif absent:
            reasons.append(absent_reason)
    return straight


def _postcode_evidence(q: _PreparedQuery, c: CandidateRecord, reasons: list[str]) -> int:
    if not q.postcode or not c.postcodes:
        return 0
    q_outward, _, q_inward = q.postcode.partition(" ")
    best: tuple[int, str] | None = None
    for index, entry in enumerate(c.postcodes):
        address = entry if isinstance(entry, AddressPostcode) else AddressPostcode(entry)
        postcode = _postcode(address.postcode)
        if not postcode:
            continue
        if postcode == q.postcode:
            if address.from_date and address.to_date:
                when = f" from {address.from_date.year} to {address.to_date.year}"
                reason = f"postcode matches an address{when}"
            elif address.from_date:
                reason = f"postcode matches an address from {address.from_date.year}"
            elif index == 0:
                reason = "postcode matches"
            else:
                reason = "postcode matches a previous address"
            best = (_POSTCODE_POINTS, reason)
            break
        outward, _, inward = postcode.partition(" ")
        if q_inward and inward and outward == q_outward:
            if inward[0] == q_inward[0]:
                found = (4, f"postcode is in the same sector ({outward} {inward[0]})")
            else:
                found = (2, f"postcode is in the same district ({outward})")
            if best is None or found[0] > best[0]:
                best = found
    if best is None:
        return 0
    reasons.append(best[1])
    return best[0]


def score_candidate(query: PersonQuery, candidate: CandidateRecord) -> Match:
    """Score how likely ``candidate`` is the person searched for, with reasons.

    Demographic evidence adds up to 100 at most:

    ========================  ======  ==========================================================
    surname (35)              35      the same (ignoring case, accents, punctuation)
                              30      one part of a double-barrelled or hyphenated name
                              28      sounds the same (Double Metaphone and Jaro–Winkler ≥ 0.7)
                              27      one letter wrong or two swapped (two if 8+ letters)
                              22      one part sounds like or is spelt like the other
                              −5      differs
    forename (25)             25      the same
                              22      one of several forenames; a nickname ("Bill"/"William")
                                      or another spelling ("Katherine"/"Catherine")
                              20      both forms of one name ("Bill"/"Billy"); sounds like
                                      and spelt alike (JW ≥ 0.85, 4+ letters); typing error
                                      (5+ letters)
                              10      initial only
                              −10     differs (twins share everything else)
    names reversed            55      forename and surname swapped, both exact; otherwise each
                                      name scores its fraction of 30, less 5 — used when it
                                      beats the names in the order given
    date of birth (30)        30      the same
                              24      day and month swapped
                              22      two adjacent digits swapped in the day, month or year
                              20      one day out
                              18      one year out
                              16      one digit different
                              14      ten years out
                              −10     differs
    postcode (10)             10      any recorded address (dates shown when known)
                              4 / 2   same sector / same district
    identifiers               −25     both NHS numbers valid and different
                              +10     NHS number one digit or one swap away (a typo)
                              −10     UPNs both valid and different; local IDs different
    ========================  ======  ==========================================================

    Any names recorded for the candidate (aliases, previous names) may match; the best counts.

    An exact identifier match (NHS number, UPN or local ID) dominates: the score is then
    ``90 + demographic // 10`` (90–100). Otherwise it is the demographic total, clamped to
    0–100. A search giving every detail exactly scores 100; one giving fewer details cannot
    reach 100 without an identifier.
    """
    return _score(_prepare(query), candidate)


def _score(q: _PreparedQuery, candidate: CandidateRecord) -> Match:
    reasons: list[str] = []
    identifier_matched, points = _identifier_evidence(q, candidate, reasons)
    points += _name_evidence(q, candidate, reasons)
    if q.dob is not None and candidate.dob is not None:
        dob_points, dob_reason = _dob_match(q.dob, candidate.dob)
        points += dob_points
        reasons.append(dob_reason)
    points += _postcode_evidence(q, candidate, reasons)
    if identifier_matched:
        score = _IDENTIFIER_FLOOR + min(10, max(0, points) // 10)
    else:
        score = max(0, min(100, points))
    return Match(score=score, reasons=reasons)


def score_candidates(
    query: PersonQuery, candidates: Iterable[CandidateRecord], *, min_score: int = 1
) -> list[tuple[CandidateRecord, Match]]:
    """Score every candidate and return those scoring at least ``min_score``, best first; equal
    scores keep the order the candidates came in (so the result is deterministic)."""
    q = _prepare(query)
    scored = [(candidate, _score(q, candidate)) for candidate in candidates]
    kept = [pair for pair in scored if pair[1].score >= min_score]
    kept.sort(key=lambda pair: -pair[1].score)
    return kept


# --------------------------------------------------------------------------------------------
# Pre-filter
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefilterTerms:
    """Values to look up in the person table before scoring (see the module docstring).

    ``*_keys`` are bare keys: wrap each with :func:`key_term` for a ``__contains`` lookup on the
    stored key string. Blank strings and empty sets mean "not given".
    """

    forename_keys: frozenset[str]
    surname_keys: frozenset[str]
    canonical_forename: str
    dobs: frozenset[date]
    postcode: str
    nhs_number: str
    upn: str
    local_id: str


def prefilter_terms(query: PersonQuery) -> PrefilterTerms:
    q = _prepare(query)
    return PrefilterTerms(
        forename_keys=forename_keys(q.forename) if q.forename else frozenset(),
        surname_keys=surname_keys(q.surname) if q.surname else frozenset(),
        canonical_forename=canonical_forename(q.forename),
        dobs=frozenset(dob_variants(q.dob)) if q.dob else frozenset(),
        postcode=q.postcode,
        nhs_number=q.nhs_number if q.nhs_number_valid else "",
        upn=q.upn if q.upn_valid else "",
        local_id=(query.local_id or "").strip(),
    )
