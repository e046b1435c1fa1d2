"""The route → outcome map and the statutory facts of each outcome."""

import pytest

from openmash.contacts.codes import Route, ThresholdLevel
from openmash.decisions.codes import (
    OUTCOME_PLAIN_WORDS,
    OUTCOME_REPORTING,
    REFERRAL_OUTCOMES,
    ROUTE_OUTCOME,
    TEAM_REQUIRED_OUTCOMES,
    Outcome,
    outcome_for_screening,
)


def test_every_route_but_mash_enquiry_decides_an_outcome():
    assert set(ROUTE_OUTCOME) == set(Route.values) - {Route.MASH_ENQUIRY}
    assert outcome_for_screening(Route.MASH_ENQUIRY, ThresholdLevel.CIN_CP) is None


@pytest.mark.parametrize(
    ("route", "threshold", "outcome"),
    [
        (Route.NFA, ThresholdLevel.UNIVERSAL, Outcome.NFA),
        (Route.SIGNPOST, ThresholdLevel.UNIVERSAL, Outcome.SIGNPOST),
        (Route.EARLY_HELP, ThresholdLevel.EARLY_HELP_2, Outcome.EARLY_HELP_2),
        (Route.EARLY_HELP, ThresholdLevel.UNIVERSAL, Outcome.EARLY_HELP_2),
        (Route.EARLY_HELP, "", Outcome.EARLY_HELP_2),
        (Route.EARLY_HELP, ThresholdLevel.EARLY_HELP_3, Outcome.EARLY_HELP_3),
        (Route.EARLY_HELP, ThresholdLevel.CIN_CP, Outcome.EARLY_HELP_3),
        (Route.ASSESSMENT, ThresholdLevel.CIN_CP, Outcome.ASSESSMENT_S17),
        (Route.STRATEGY, ThresholdLevel.CIN_CP, Outcome.STRATEGY_S47),
        (Route.ALREADY_OPEN, ThresholdLevel.CIN_CP, Outcome.OPEN_CASE),
    ],
)
def test_outcome_for_screening(route, threshold, outcome):
    assert outcome_for_screening(route, threshold) == outcome


def test_every_outcome_has_its_reporting_facts_and_plain_words():
    assert set(OUTCOME_REPORTING) == set(Outcome.values)
    assert set(OUTCOME_PLAIN_WORDS) == set(Outcome.values)
    for facts in OUTCOME_REPORTING.values():
        assert 1 in facts.annex_a_lists  # every contact is on List 1
        assert (3 in facts.annex_a_lists) == facts.is_referral
        assert (facts.referral_nfa is None) == (not facts.is_referral)


def test_only_s17_and_s47_are_referrals_and_handovers_need_a_team():
    assert {Outcome.ASSESSMENT_S17, Outcome.STRATEGY_S47} == REFERRAL_OUTCOMES
    assert REFERRAL_OUTCOMES <= TEAM_REQUIRED_OUTCOMES
    assert Outcome.NFA not in TEAM_REQUIRED_OUTCOMES
    assert Outcome.OPEN_CASE in TEAM_REQUIRED_OUTCOMES


def test_plain_words_use_no_statutory_jargon():
    for words in OUTCOME_PLAIN_WORDS.values():
        assert "s47" not in words and "section 47" not in words.lower()
        assert "strategy" not in words.lower()
