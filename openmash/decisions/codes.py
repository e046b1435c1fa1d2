"""Decision outcomes, stored as codes that map onto the CIN census and Ofsted Annex A.

Three tables live here, so that screening, the decision form, the referrer's feedback and the
statutory returns all read the same facts:

* ``ROUTE_OUTCOME`` / ``outcome_for_screening`` — the outcome recorded when screening decides a
  contact without a MASH enquiry;
* ``OUTCOME_REPORTING`` — what each outcome means for the CIN census and Annex A;
* ``REFERRAL_OUTCOMES`` / ``TEAM_REQUIRED_OUTCOMES`` — derived from it, used by the services.
"""

from dataclasses import dataclass

from django.db import models

from openmash.contacts.codes import Route, ThresholdLevel


class Outcome(models.TextChoices):
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Universal services / signpost"
    SINGLE_AGENCY = "single_agency", "Single-agency support"
    EARLY_HELP_2 = "early_help_2", "Early help level 2"
    EARLY_HELP_3 = "early_help_3", "Early help level 3"
    ASSESSMENT_S17 = "assessment_s17", "Child and family assessment (s17)"
    STRATEGY_S47 = "strategy_s47", "Strategy discussion (s47)"
    OPEN_CASE = "open_case", "Open case – pass to the allocated team"


@dataclass(frozen=True)
class OutcomeReporting:
    """What one outcome means for the statutory returns.

    ``is_referral``: the contact becomes a CIN *referral* (a request for services accepted
    for assessment under Working Together); the CIN episode's ``CINreferralDate`` is the
    decision date and ``ReferralSource`` is the contact's source code.

    ``referral_nfa``: the CIN ``ReferralNFA`` flag / Annex A List 3 "Referral NFA?" column as
    known at the decision — ``False`` for a referral, ``None`` where the contact is not a
    referral (the column does not apply). A referral closed later without an assessment is
    flagged NFA by the assessment record, not here.

    ``annex_a_lists``: the Ofsted Annex A lists the decision puts the child on. Every contact is
    on List 1 (date of contact, contact source); a referral is also on List 3. Early help
    outcomes reach List 2 only when the early help assessment starts, which the early help
    service records, so they are List 1 here.

    ``hands_over``: the child is passed to a receiving team, so one must be chosen and it gets
    the handover summary.
    """

    is_referral: bool
    referral_nfa: bool | None
    annex_a_lists: tuple[int, ...]
    hands_over: bool


OUTCOME_REPORTING: dict[str, OutcomeReporting] = {
    Outcome.NFA: OutcomeReporting(False, None, (1,), hands_over=False),
    Outcome.SIGNPOST: OutcomeReporting(False, None, (1,), hands_over=False),
    Outcome.SINGLE_AGENCY: OutcomeReporting(False, None, (1,), hands_over=False),
    Outcome.EARLY_HELP_2: OutcomeReporting(False, None, (1,), hands_over=True),
    Outcome.EARLY_HELP_3: OutcomeReporting(False, None, (1,), hands_over=True),
    Outcome.ASSESSMENT_S17: OutcomeReporting(True, False, (1, 3), hands_over=True),
    Outcome.STRATEGY_S47: OutcomeReporting(True, False, (1, 3), hands_over=True),
    # Already open: a new contact on the child's existing episode, not a new CIN referral.
    Outcome.OPEN_CASE: OutcomeReporting(False, None, (1,), hands_over=True),
}

#: Outcomes that make the contact a CIN *referral* (Annex A List 3; CINreferralDate = decision
#: date). Everything else stays a contact (List 1).
REFERRAL_OUTCOMES = frozenset(o for o, r in OUTCOME_REPORTING.items() if r.is_referral)

#: Outcomes that hand the child to a receiving team, so a team must be chosen.
TEAM_REQUIRED_OUTCOMES = frozenset(o for o, r in OUTCOME_REPORTING.items() if r.hands_over)


#: Screening route -> the outcome it decides. ``mash_enquiry`` decides nothing (the decision
#: follows the enquiry and analysis), so it is absent. ``early_help`` maps to level 2 here;
#: ``outcome_for_screening`` raises it to level 3 by the threshold level screened.
ROUTE_OUTCOME: dict[str, Outcome] = {
    Route.NFA: Outcome.NFA,
    Route.SIGNPOST: Outcome.SIGNPOST,
    Route.EARLY_HELP: Outcome.EARLY_HELP_2,
    Route.ASSESSMENT: Outcome.ASSESSMENT_S17,
    Route.STRATEGY: Outcome.STRATEGY_S47,
    Route.ALREADY_OPEN: Outcome.OPEN_CASE,
}

#: Threshold levels at which an early help route means *targeted* (level 3) early help. A
#: contact screened at level 4 but routed to early help is a step-down to targeted support.
EARLY_HELP_LEVEL_3_THRESHOLDS = frozenset({ThresholdLevel.EARLY_HELP_3, ThresholdLevel.CIN_CP})


def outcome_for_screening(route: str, threshold_level: str) -> Outcome | None:
    """The outcome screening records for ``route``; ``None`` for a MASH enquiry, which is
    decided later by ``contact_decide`` after analysis.

    Early help is level 3 when the threshold level screened is level 3 or 4, otherwise
    level 2 (universal or level 2 thresholds, or none recorded)."""
    if route == Route.EARLY_HELP and threshold_level in EARLY_HELP_LEVEL_3_THRESHOLDS:
        return Outcome.EARLY_HELP_3
    return ROUTE_OUTCOME.get(route)


#: The outcome in plain words for the referrer's feedback: no statutory jargon, and nothing
#: about what partner agencies said.
OUTCOME_PLAIN_WORDS: dict[str, str] = {
    Outcome.NFA: (
        "After looking carefully at the information, we have decided that children's social "
        "care does not need to take any further action at this time."
    ),
    Outcome.SIGNPOST: (
        "We have decided that the family's needs can be met by universal services, such as "
        "their school, GP or health visitor, and we have pointed the family towards them."
    ),
    Outcome.SINGLE_AGENCY: (
        "We have decided that the family's needs can best be met by support from a single "
        "service already working with them."
    ),
    Outcome.EARLY_HELP_2: (
        "We have passed the information to our Early Help service, who will offer the family "
        "support."
    ),
    Outcome.EARLY_HELP_3: (
        "We have passed the information to our Early Help service, who will offer the family "
        "targeted support."
    ),
    Outcome.ASSESSMENT_S17: (
        "We have passed the information to a social work team, who will assess what help the "
        "child and family need."
    ),
    # Deliberately as neutral as the s17 wording: the referrer may be close to the family,
    # and the feedback must not tip anyone off about a child protection enquiry.
    Outcome.STRATEGY_S47: (
        "We have passed the information to a social work team, who will decide what needs to "
        "happen next."
    ),
    Outcome.OPEN_CASE: (
        "The child is already known to a social work team, and we have passed the information "
        "to them."
    ),
}
