"""Person matching: tokens, phonetic keys, nicknames, date variants and candidate scoring.

Pure: no database, no Django settings. Names and places are invented or come from Faker (en_GB).
"""

import random
from datetime import date

import pytest
from faker import Faker
from hypothesis import given
from hypothesis import strategies as st

from openmash.people.identifiers import synthetic_nhs_number, synthetic_upn
from openmash.people.matching import (
    AddressPostcode,
    CandidateRecord,
    PersonQuery,
    canonical_forename,
    dob_variants,
    forename_key_string,
    forename_keys,
    key_term,
    name_tokens,
    nickname_groups,
    phonetic_key_string,
    phonetic_keys,
    prefilter_terms,
    score_candidate,
    score_candidates,
    surname_key_string,
)
from openmash.people.nicknames import NICKNAME_GROUPS

DOB = date(2015, 3, 12)
POSTCODE = "ME4 4TR"


def _query(forename="Amy", surname="Smith", dob=DOB, postcode=POSTCODE, **identifiers):
    return PersonQuery(forename, surname, dob, postcode, **identifiers)


def _candidate(forenames=("Amy",), surnames=("Smith",), dob=DOB, postcodes=(POSTCODE,), **ids):
    return CandidateRecord(
        id=1,
        forenames=list(forenames),
        surnames=list(surnames),
        dob=dob,
        postcodes=list(postcodes),
        **ids,
    )


# ---- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Smith-Jones", ["smith", "jones"]),
        ("Smith Jones", ["smith", "jones"]),
        ("O'Brien", ["obrien"]),
        ("O\u2019Brien", ["obrien"]),
        ("Zoë", ["zoe"]),
        ("  MARY-jane  ", ["mary", "jane"]),
        ("Ødegård", ["odegard"]),
        ("St. John-Smythe", ["st", "john", "smythe"]),
        ("Anne-Marie (Annie)", ["anne", "marie", "annie"]),
        ("", []),
    ],
)
def test_name_tokens(name, tokens):
    assert name_tokens(name) == tokens


def test_phonetic_keys_cover_each_part_and_the_whole():
    assert {"SM0", "XMT"} <= phonetic_keys("Smith")
    assert phonetic_keys("Smith") & phonetic_keys("Smyth")
    assert {"SM0", "JNS"} <= phonetic_keys("Smith-Jones")
    assert phonetic_keys("McDonald") & phonetic_keys("Mac Donald")
    assert phonetic_keys("") == set()


def test_key_strings_are_sorted_padded_and_searchable_by_whole_key():
    stored = surname_key_string(["Smith-Jones", "Brown"])
    assert stored.startswith(" ") and stored.endswith(" ")
    keys = stored.split()
    assert keys == sorted(keys)
    assert key_term("SM0") in stored
    assert key_term("SM") not in stored  # a key is never found by its prefix
    assert surname_key_string([]) == ""


def test_forename_keys_join_nicknames_to_their_full_form():
    assert forename_keys("Bill") & forename_keys("William")
    assert forename_keys("Billy") & forename_keys("Bill")
    assert forename_keys("Liz") & forename_keys("Beth")
    assert forename_keys("Alex") & forename_keys("Alexandra")
    assert not forename_keys("Amy") & forename_keys("Zoe")
    for key in forename_keys("Bill"):
        assert key_term(key) in forename_key_string(["Bill", "Henry"])


def test_phonetic_key_string_prefixes_forename_and_surname_keys():
    stored = phonetic_key_string("Bill", "Smith")
    assert key_term("f:PL") in stored
    assert key_term("f:ALM") in stored
    assert key_term("s:SM0") in stored
    assert key_term("s:PL") not in stored


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Bill", "william"),
        ("William", "william"),
        ("Liz", "elizabeth"),
        ("Lizzie May", "elizabeth"),
        ("Jack", "john"),
        ("Alex", "alexander"),
        ("Zara", "zara"),
        ("Smith-Jones", "smith"),
        ("", ""),
    ],
)
def test_canonical_forename(name, canonical):
    assert canonical_forename(name) == canonical


def test_nickname_table_is_large_clean_and_bidirectional():
    assert len(NICKNAME_GROUPS) >= 100
    for canonical, variants in NICKNAME_GROUPS.items():
        for name in (canonical, *variants):
            assert name_tokens(name) == [name], name
            assert canonical in nickname_groups(name)
        assert canonical not in variants
        assert len(set(variants)) == len(variants), canonical
    assert nickname_groups("harry") == {"henry", "harold"}


# ---- dates of birth ------------------------------------------------------------------------


def test_dob_variants_cover_common_mistakes():
    variants = dob_variants(date(2013, 10, 12))
    assert date(2013, 10, 12) in variants  # the date itself, for dob__in=
    assert date(2013, 12, 10) in variants  # day and month swapped
    assert date(2013, 10, 21) in variants  # digits of the day swapped
    assert date(2013, 1, 12) in variants  # digits of the month swapped
    assert date(2031, 10, 12) in variants  # digits of the year swapped
    assert date(2103, 10, 12) in variants
    assert date(2013, 10, 11) in variants and date(2013, 10, 13) in variants
    assert date(2012, 10, 12) in variants and date(2014, 10, 12) in variants
    assert date(2003, 10, 12) in variants and date(2023, 10, 12) in variants
    assert date(2013, 10, 14) not in variants


def test_dob_variants_at_the_ends_of_the_calendar():
    assert date(9999, 12, 30) in dob_variants(date(9999, 12, 31))
    assert date(1, 1, 2) in dob_variants(date(1, 1, 1))


def test_dob_variants_leave_out_impossible_dates():
    variants = dob_variants(date(2016, 2, 29))
    assert date(2015, 3, 1) not in variants  # no 29 Feb 2015 to be one year out
    assert date(2016, 2, 28) in variants and date(2016, 3, 1) in variants
    assert all(isinstance(d, date) for d in dob_variants(date(2019, 1, 31)))


# ---- scoring: each kind of near miss names itself ------------------------------------------


@pytest.mark.parametrize(
    ("query", "candidate", "reason"),
    [
        # typing errors
        (_query(forename="Jonh"), _candidate(forenames=["John"]), "'John'"),
        (_query(surname="Smiht"), _candidate(), "surname sounds like 'Smith'"),
        (_query(surname="Smyth"), _candidate(), "surname sounds like 'Smith'"),
        (
            _query(surname="Robimson"),
            _candidate(surnames=["Robinson"]),
            "surname is spelt like 'Robinson' (possible typing error)",
        ),
        (
            _query(forename="Damiel"),
            _candidate(forenames=["Daniel"]),
            "forename is spelt like 'Daniel' (possible typing error)",
        ),
        # nicknames, both ways
        (_query(forename="Bill"), _candidate(forenames=["William"]), "nickname of 'William'"),
        (_query(forename="William"), _candidate(forenames=["Bill"]), "full form of 'Bill'"),
        (_query(forename="Liz"), _candidate(forenames=["Elizabeth"]), "nickname of 'Elizabeth'"),
        (_query(forename="Jack"), _candidate(forenames=["John"]), "nickname of 'John'"),
        (
            _query(forename="Liz"),
            _candidate(forenames=["Beth"]),
            "forename and 'Beth' are both forms of 'Elizabeth'",
        ),
        (
            _query(forename="Katherine"),
            _candidate(forenames=["Catherine"]),
            "another spelling of 'Catherine'",
        ),
        (
            _query(forename="Jane"),
            _candidate(forenames=["Mary Jane"]),
            "one of the forenames 'Mary Jane'",
        ),
        (_query(forename="A"), _candidate(), "forename initial matches"),
        # hyphenated and double-barrelled surnames
        (_query(), _candidate(surnames=["Smith-Jones"]), "surname is part of 'Smith-Jones'"),
        (_query(), _candidate(surnames=["Jones Smith"]), "surname is part of 'Jones Smith'"),
        (
            _query(surname="Smith-Jones"),
            _candidate(surnames=["Jones"]),
            "surname 'Jones' is part of 'Smith-Jones'",
        ),
        (_query(surname="OBrien"), _candidate(surnames=["O'Brien"]), "surname matches"),
        # aliases and previous names
        (
            _query(surname="Jones"),
            _candidate(surnames=["Smith", "Jones"]),
            "surname matches another recorded surname 'Jones'",
        ),
        # name order
        (_query(), _candidate(forenames=["Smith"], surnames=["Amy"]), "names in reverse order"),
        # dates of birth
        (_query(), _candidate(dob=date(2015, 12, 3)), "day and month swapped"),
        (_query(), _candidate(dob=date(2015, 3, 21)), "digits of the day swapped"),
        (
            _query(dob=date(2013, 10, 1)),
            _candidate(dob=date(2031, 10, 1)),
            "two digits of the year swapped",
        ),
        (
            _query(dob=date(2013, 10, 1)),
            _candidate(dob=date(2013, 1, 1)),
            "digits of the month swapped",
        ),
        (_query(), _candidate(dob=date(2015, 3, 11)), "date of birth is one day out"),
        (_query(), _candidate(dob=date(2014, 3, 12)), "date of birth is one year out"),
        (_query(), _candidate(dob=date(2015, 3, 17)), "date of birth differs by one digit"),
        # addresses
        (
            _query(),
            _candidate(postcodes=["ME7 1NH", AddressPostcode("me4 4tr", date(2019, 5, 1))]),
            "postcode matches an address from 2019",
        ),
        (
            _query(),
            _candidate(postcodes=["ME7 1NH", "ME4 4TR"]),
            "postcode matches a previous address",
        ),
        (_query(), _candidate(postcodes=["ME4 4AB"]), "postcode is in the same sector (ME4 4)"),
    ],
)
def test_near_misses_score_well_and_say_why(query, candidate, reason):
    match = score_candidate(query, candidate)
    assert any(reason in r for r in match.reasons), match.reasons
    assert match.score >= 70, match


def test_exact_match_scores_100():
    match = score_candidate(_query(), _candidate())
    assert match.score == 100
    assert match.reasons == [
        "surname matches",
        "forename matches",
        "date of birth matches",
        "postcode matches",
    ]


def test_a_matching_nhs_number_dominates():
    nhs_number = "9434765919"
    stranger = _candidate(
        forenames=["Zara"], surnames=["Khan"], dob=date(1990, 7, 1), nhs_number=nhs_number
    )
    match = score_candidate(_query(nhs_number="943 476 5919"), stranger)
    assert match.score >= 90
    assert match.reasons[0] == "NHS number matches"
    assert "forename differs" in match.reasons

    everything = score_candidate(_query(nhs_number=nhs_number), _candidate(nhs_number=nhs_number))
    assert everything.score == 100


def test_upn_and_local_id_matches_dominate():
    upn = synthetic_upn(random.Random(7))
    by_upn = score_candidate(PersonQuery(upn=upn.lower()), _candidate(upn=upn))
    assert by_upn.score >= 90 and by_upn.reasons[0] == "UPN matches"
    by_id = score_candidate(PersonQuery(local_id="CH-1234"), _candidate(local_id="ch-1234"))
    assert by_id.score >= 90 and by_id.reasons[0] == "local ID matches"


def test_different_valid_nhs_numbers_count_against_a_match():
    rng = random.Random(3)
    ours, theirs = synthetic_nhs_number(rng), synthetic_nhs_number(rng)
    match = score_candidate(_query(nhs_number=ours), _candidate(nhs_number=theirs))
    assert "NHS number differs" in match.reasons
    assert match.score <= 75


def test_a_mistyped_nhs_number_counts_for_a_match():
    mistyped = score_candidate(
        _query(surname="Jones", nhs_number="9434765991"),  # last two digits swapped
        _candidate(nhs_number="9434765919"),
    )
    assert "NHS number is one digit or one swap away (possible typing error)" in mistyped.reasons
    plain = score_candidate(_query(surname="Jones"), _candidate())
    assert mistyped.score == plain.score + 10


def test_twins_are_told_apart_by_forename():
    match = score_candidate(_query(forename="Tom"), _candidate(forenames=["Tim"]))
    assert "forename differs" in match.reasons
    assert match.score < 70
    mark_mary = score_candidate(_query(forename="Mark"), _candidate(forenames=["Mary"]))
    assert mark_mary.score < 70


def test_an_unrelated_person_scores_zero():
    match = score_candidate(
        _query(),
        _candidate(
            forenames=["Zara"], surnames=["Khan"], dob=date(1990, 7, 1), postcodes=["B33 8TH"]
        ),
    )
    assert match.score == 0
    assert match.reasons == ["surname differs", "forename differs", "date of birth differs"]


def test_missing_details_neither_help_nor_hurt():
    sparse = CandidateRecord(id=1, surnames=["Smith"])
    match = score_candidate(_query(), sparse)
    assert match.score == 35
    assert match.reasons == ["surname matches"]
    assert score_candidate(PersonQuery(), _candidate()).score == 0
    blanks = CandidateRecord(1, [None, ""], [None], None, [None, ""], None, None, None)
    assert score_candidate(_query(nhs_number="9434765919"), blanks) == score_candidate(
        _query(), CandidateRecord(2)
    )


def test_score_candidates_ranks_best_first_and_keeps_ties_in_order():
    candidates = [
        CandidateRecord(id="a", forenames=["Zara"], surnames=["Khan"]),
        CandidateRecord(id="b", forenames=["Amy"], surnames=["Smyth"], dob=DOB),
        CandidateRecord(id="c", forenames=["Amy"], surnames=["Smith"], dob=DOB),
        CandidateRecord(id="d", forenames=["Amy"], surnames=["Smyth"], dob=DOB),
    ]
    ranked = score_candidates(_query(), candidates)
    assert [candidate.id for candidate, _ in ranked] == ["c", "b", "d"]
    assert ranked == score_candidates(_query(), candidates)


def test_prefilter_terms():
    terms = prefilter_terms(_query(forename="Bill", nhs_number="943 476 5919", upn="bad"))
    assert terms.canonical_forename == "william"
    assert {"PL", "ALM"} <= terms.forename_keys
    assert {"SM0", "XMT"} <= terms.surname_keys
    assert date(2015, 12, 3) in terms.dobs and DOB in terms.dobs
    assert terms.postcode == POSTCODE
    assert terms.nhs_number == "9434765919"
    assert terms.upn == ""  # an invalid identifier cannot find anyone by equality
    assert prefilter_terms(PersonQuery()).dobs == frozenset()


# ---- properties ----------------------------------------------------------------------------

letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)
names = st.builds(
    lambda a, b, hyphen: f"{a}-{b}" if hyphen else a.title(), letters, letters, st.booleans()
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
postcodes = st.sampled_from(["ME4 4TR", "ME7 1NH", "B33 8TH", "SW1A 1AA", "DN55 1PT"])


@given(names, names, dates, postcodes, st.integers(min_value=0, max_value=2**32))
def test_exact_match_always_scores_100(forename, surname, dob, postcode, seed):
    nhs_number = synthetic_nhs_number(random.Random(seed))
    query = PersonQuery(forename, surname, dob, postcode, nhs_number=nhs_number)
    candidate = CandidateRecord(1, [forename], [surname], dob, [postcode], nhs_number=nhs_number)
    assert score_candidate(query, candidate).score == 100
    without_ids = PersonQuery(forename, surname, dob, postcode)
    assert score_candidate(without_ids, candidate).score == 100


# Names chosen so that pairs often match in some way: typos, nicknames, sound-alikes, parts.
NAME_POOL = [
    "Smith", "Smyth", "Smith-Jones", "Jones", "Jonh", "John", "Jon", "Jack", "Bill", "William",
    "Billy", "Liz", "Beth", "Elizabeth", "Katherine", "Catherine", "Tom", "Tim", "Amy", "O'Brien",
    "Robinson", "Robinsno", "Khan", "A", "Mary Jane", "Jane",
]  # fmt: skip
DATE_POOL = [DOB, date(2015, 12, 3), date(2015, 3, 21), date(2015, 3, 13), date(2014, 3, 12)]


def _person(forename, surname, dob, postcode):
    return (
        PersonQuery(forename, surname, dob, postcode),
        CandidateRecord(1, [forename], [surname], dob, [postcode]),
    )


@given(
    st.tuples(*[st.sampled_from(NAME_POOL)] * 2, st.sampled_from(DATE_POOL), postcodes),
    st.tuples(*[st.sampled_from(NAME_POOL)] * 2, st.sampled_from(DATE_POOL), postcodes),
)
def test_score_is_symmetric(a, b):
    query_a, record_a = _person(*a)
    query_b, record_b = _person(*b)
    assert score_candidate(query_a, record_b).score == score_candidate(query_b, record_a).score


@given(names, names, dates)
def test_unrelated_people_score_low(forename, surname, dob):
    query = PersonQuery(forename, surname, dob, "ME4 4TR")
    stranger = CandidateRecord(1, ["Xavier"], ["Quigley-Ngata"], date(1901, 7, 7), ["B33 8TH"])
    if not {*name_tokens(forename), *name_tokens(surname)} & {"xavier", "quigley", "ngata"}:
        assert score_candidate(query, stranger).score <= 35


@given(st.sampled_from(NAME_POOL), st.sampled_from(NAME_POOL), st.sampled_from(DATE_POOL))
def test_scoring_is_deterministic(forename, surname, dob):
    query, record = _person(forename, surname, dob, POSTCODE)
    other = CandidateRecord(2, ["Bill", "William"], ["Smith-Jones", "Smyth"], DOB, [POSTCODE])
    first = [score_candidate(query, c) for c in (record, other)]
    assert first == [score_candidate(query, c) for c in (record, other)]


# ---- speed ---------------------------------------------------------------------------------


def test_scoring_2000_candidates_ranks_every_candidate_best_first():
    """Speed is measured in bench/person_search.py, not here: a wall-clock assertion fails on a
    loaded CI machine without anything being wrong."""
    fake = Faker("en_GB")
    fake.seed_instance(2024)
    rng = random.Random(2024)
    candidates = [
        CandidateRecord(
            id=i,
            forenames=[fake.first_name()] + ([fake.first_name()] if i % 5 == 0 else []),
            surnames=[fake.last_name()] + ([fake.last_name()] if i % 7 == 0 else []),
            dob=fake.date_of_birth(minimum_age=0, maximum_age=17),
            postcodes=[fake.postcode() for _ in range(1 + i % 3)],
            nhs_number=synthetic_nhs_number(rng) if i % 2 else "",
        )
        for i in range(2000)
    ]
    query = PersonQuery("Jonh", "Smyth-Jones", date(2012, 5, 17), "ME4 4TR", "9991234578")
    ranked = score_candidates(query, candidates, min_score=0)
    assert len(ranked) == 2000
    scores = [match.score for _, match in ranked]
    assert scores == sorted(scores, reverse=True)
