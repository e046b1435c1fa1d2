"""Codes for meetings and availability, stored as codes (never free text) so that reports can
count outcomes and so that an absence never records more than the MASH needs to know."""

from dataclasses import dataclass
from datetime import time

from django.db import models


class AgendaRule(models.TextChoices):
    """How a meeting type's agenda builds itself from the work queues."""

    HUDDLE = "huddle", "Work since the last huddle and outstanding Red/Amber work"
    MASH_MEETING = "mash_meeting", "MASH enquiries whose agency responses are in"
    NONE = "none", "Agenda set by the chair"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class ItemSource(models.TextChoices):
    AUTO = "auto", "From the work queues"
    CHAIR = "chair", "Added by the chair"


class OutcomeCode(models.TextChoices):
    """What a meeting agreed about one child's contact. Huddles allocate and review work;
    MASH meetings agree the response (the practice manager's decision follows in the
    decisions app)."""

    # Huddles
    SCREEN_TODAY = "screen_today", "Allocated for screening today"
    CHASE_PARTNERS = "chase_partners", "Chase outstanding partner information"
    ESCALATED = "escalated", "Escalated to the practice manager or team manager"
    REVIEWED = "reviewed", "Reviewed – no change to the plan"
    # MASH meetings
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Universal services / signpost"
    SINGLE_AGENCY = "single_agency", "Single-agency support"
    EARLY_HELP = "early_help", "Early help offer"
    ASSESSMENT_S17 = "assessment_s17", "Child and family assessment (s17)"
    STRATEGY_S47 = "strategy_s47", "Strategy discussion (s47)"
    MORE_INFORMATION = "more_information", "More information needed before a decision"
    # Either
    DEFERRED = "deferred", "Deferred to the next meeting"


HUDDLE_OUTCOMES = (
    OutcomeCode.SCREEN_TODAY,
    OutcomeCode.CHASE_PARTNERS,
    OutcomeCode.ESCALATED,
    OutcomeCode.REVIEWED,
    OutcomeCode.DEFERRED,
)
MASH_MEETING_OUTCOMES = (
    OutcomeCode.NFA,
    OutcomeCode.SIGNPOST,
    OutcomeCode.SINGLE_AGENCY,
    OutcomeCode.EARLY_HELP,
    OutcomeCode.ASSESSMENT_S17,
    OutcomeCode.STRATEGY_S47,
    OutcomeCode.MORE_INFORMATION,
    OutcomeCode.DEFERRED,
)
OUTCOMES_BY_RULE = {
    AgendaRule.HUDDLE: HUDDLE_OUTCOMES,
    AgendaRule.MASH_MEETING: MASH_MEETING_OUTCOMES,
    AgendaRule.NONE: tuple(OutcomeCode),
}


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Apologies"


class PartOfDay(models.TextChoices):
    ALL_DAY = "all_day", "All day"
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"


#: Local time at which "morning" ends and "afternoon" begins, for availability.
MIDDAY = time(13, 0)


class AbsenceReason(models.TextChoices):
    """Categories only: never health or personal details (data minimisation — the practice
    manager needs to know who is off and who covers, not why)."""

    PLANNED_LEAVE = "planned_leave", "Planned leave"
    TRAINING = "training", "Training"
    OTHER_DUTIES = "other_duties", "Other work commitments"
    UNPLANNED = "unplanned", "Unplanned absence"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class MeetingTypeDefinition:
    code: str
    name: str
    agenda_rule: str
    times: tuple[time, ...]
    auto_schedule: bool
    attendee_guidance: str
    #: The Early Help co-ordinator attends every meeting of this type (protocol), so their
    #: attendance or apologies must be recorded before the meeting closes.
    early_help_expected: bool = False


#: The meetings of the protocol ("SPA and MASH meetings"). Loaded idempotently by
#: ``services.meeting_types_ensure``; administrators may edit names and guidance afterwards.
MEETING_TYPES = (
    MeetingTypeDefinition(
        "spa_huddle",
        "SPA huddle",
        AgendaRule.HUDDLE,
        (time(9, 15),),
        True,
        "Led by the SPA and MASH practice manager; attended by referral and information "
        "officers, the SPA social worker, the early help social worker and the MASH DS. Reviews "
        "work from the previous day and overnight (portal, police, out-of-hours service) and "
        "staffing, so there is capacity for the day's tasks and incoming contacts.",
    ),
    MeetingTypeDefinition(
        "mash_huddle",
        "MASH huddle",
        AgendaRule.HUDDLE,
        (time(9, 30),),
        True,
        "Led by the SPA and MASH practice manager; attended by MASH social workers and "
        "partners. Reviews work from the previous day and overnight, and staffing and capacity "
        "for the day.",
    ),
    MeetingTypeDefinition(
        "mash_meeting",
        "MASH meeting",
        AgendaRule.MASH_MEETING,
        (time(11, 30), time(15, 0)),
        True,
        "Led by the SPA and MASH practice manager; attended by the allocated MASH social "
        "worker and the partners who responded to each MASH enquiry. The Early Help "
        "co-ordinator attends every MASH meeting so that every contact is considered for early "
        "help. Outcomes are recorded on each child's contact; partners update their own records.",
        early_help_expected=True,
    ),
    MeetingTypeDefinition(
        "dan_triage",
        "DAN triage",
        AgendaRule.NONE,
        (),
        False,
        "Daily multi-agency triage of domestic abuse notifications, including the DS (First "
        "Response). Arranged by the chair until the domestic abuse pathway schedules it.",
    ),
    MeetingTypeDefinition(
        "midwifery_safeguarding",
        "Midwifery safeguarding meeting",
        AgendaRule.NONE,
        (),
        False,
        "Monthly meeting with the safeguarding midwives about unborn babies. Arranged by the "
        "chair.",
    ),
)
