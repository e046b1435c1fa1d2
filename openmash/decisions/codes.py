"""Decision outcomes, stored as codes that map onto the CIN census and Ofsted Annex A."""

from django.db import models


class Outcome(models.TextChoices):
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Universal services / signpost"
    SINGLE_AGENCY = "single_agency", "Single-agency support"
    EARLY_HELP_2 = "early_help_2", "Early help level 2"
    EARLY_HELP_3 = "early_help_3", "Early help level 3"
    ASSESSMENT_S17 = "assessment_s17", "Child and family assessment (s17)"
    STRATEGY_S47 = "strategy_s47", "Strategy discussion (s47)"
    OPEN_CASE = "open_case", "Open case – pass to the allocated team"


#: Outcomes that make the contact a CIN *referral* (Annex A List 3; CINreferralDate = decision
#: date). Everything else stays a contact (List 1).
REFERRAL_OUTCOMES = frozenset({Outcome.ASSESSMENT_S17, Outcome.STRATEGY_S47})

#: Outcomes that hand the child to a receiving team, so a team must be chosen.
TEAM_REQUIRED_OUTCOMES = frozenset(
    {
        Outcome.EARLY_HELP_2,
        Outcome.EARLY_HELP_3,
        Outcome.ASSESSMENT_S17,
        Outcome.STRATEGY_S47,
        Outcome.OPEN_CASE,
    }
)
