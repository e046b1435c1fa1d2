"""Codes for contacts: channels, CIN referral sources, concerns, RAG, thresholds, routes.

Stored as codes (never free text) so the CIN census and Ofsted Annex A can be produced later.
"""

from django.db import models


class Channel(models.TextChoices):
    PROFESSIONAL_PORTAL = "professional_portal", "Professional portal"
    PUBLIC_PORTAL = "public_portal", "Public portal"
    PHONE = "phone", "Phone"
    SECURE_EMAIL = "secure_email", "Secure email"
    POLICE_NOTIFICATION = "police_notification", "Police notification"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours report"


class ReferralSource(models.TextChoices):
    """DfE CIN census ReferralSource codes."""

    FAMILY = "1A", "Individual – family member / relative / carer"
    ACQUAINTANCE = "1B", "Individual – acquaintance (including neighbours and child minders)"
    SELF = "1C", "Individual – self"
    INDIVIDUAL_OTHER = "1D", "Individual – other"
    SCHOOLS = "2A", "Schools"
    EDUCATION_SERVICES = "2B", "Education services"
    GP = "3A", "Health services – GP"
    HEALTH_VISITOR = "3B", "Health services – health visitor"
    SCHOOL_NURSE = "3C", "Health services – school nurse"
    PRIMARY_HEALTH_OTHER = "3D", "Health services – other primary health services"
    A_AND_E = "3E", "Health services – A&E"
    HEALTH_OTHER = "3F", "Health services – other"
    HOUSING = "4", "Housing"
    LA_SOCIAL_CARE = "5A", "LA services – social care (e.g. adult social care)"
    LA_OTHER_INTERNAL = "5B", "LA services – other internal department"
    LA_EXTERNAL = "5C", "LA services – external (e.g. another LA's adult social care)"
    LA_EARLY_HELP = "5D", "LA services – early help"
    POLICE = "6", "Police"
    OTHER_LEGAL = "7", "Other legal agency"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


class ConsentStatus(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    NOT_SOUGHT = "not_sought", "Consent not sought"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ThresholdLevel(models.TextChoices):
    """Medway inter-agency threshold levels."""

    UNIVERSAL = "universal", "Level 1 – universal"
    EARLY_HELP_2 = "early_help_2", "Level 2 – early help"
    EARLY_HELP_3 = "early_help_3", "Level 3 – targeted early help"
    CIN_CP = "cin_cp", "Level 4 – child in need or child protection"


class Route(models.TextChoices):
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Signpost to universal services"
    EARLY_HELP = "early_help", "Early help"
    MASH_ENQUIRY = "mash_enquiry", "MASH enquiry"
    ASSESSMENT = "assessment", "Straight to child and family assessment"
    STRATEGY = "strategy", "Strategy discussion"
    ALREADY_OPEN = "already_open", "Already open – pass to allocated worker"


class PersonRole(models.TextChoices):
    SUBJECT_CHILD = "subject_child", "Child the concern is about"
    PARENT_CARER = "parent_carer", "Parent or carer"
    HOUSEHOLD_MEMBER = "household_member", "Other household member"
    OTHER = "other", "Other significant person"


class Concern(models.TextChoices):
    """Concern categories, each mapped to a CIN assessment factor code (``CIN_FACTOR``)."""

    NEGLECT = "neglect", "Neglect"
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse"
    SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
    EMOTIONAL_ABUSE = "emotional_abuse", "Emotional abuse"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    PARENTAL_MENTAL_HEALTH = "parental_mental_health", "Parent or carer mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Drug or alcohol misuse"
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation or gangs"
    MISSING = "missing", "Going or being missing"
    SELF_HARM = "self_harm", "Self-harm"
    FGM = "fgm", "Female genital mutilation"
    DISABILITY = "disability", "Child's disability or illness"
    HOUSING = "housing", "Housing or homelessness"
    EDUCATION = "education", "School attendance or exclusion"
    OTHER = "other", "Other"


CIN_FACTOR = {
    Concern.NEGLECT: "16A",
    Concern.PHYSICAL_ABUSE: "18C",
    Concern.SEXUAL_ABUSE: "19C",
    Concern.EMOTIONAL_ABUSE: "17A",
    Concern.DOMESTIC_ABUSE: "3B",
    Concern.PARENTAL_MENTAL_HEALTH: "4B",
    Concern.SUBSTANCE_MISUSE: "2B",
    Concern.CSE: "11A",
    Concern.CCE: "24A",
    Concern.MISSING: "10A",
    Concern.SELF_HARM: "15A",
    Concern.FGM: "22A",
    Concern.DISABILITY: "6A",
    Concern.HOUSING: "20",
    Concern.EDUCATION: "20",
    Concern.OTHER: "20",
}

#: Agencies (codes) suggested for a MASH enquiry by concern; police, health and education
#: are always suggested because they hold information on almost every child.
ALWAYS_SUGGESTED = ("POLICE", "HEALTH", "EDUCATION")
SUGGESTED_AGENCIES = {
    Concern.DOMESTIC_ABUSE: ("PROBATION_NPS", "EARLY_HELP"),
    Concern.PARENTAL_MENTAL_HEALTH: ("ADULT_SOCIAL_CARE",),
    Concern.SUBSTANCE_MISUSE: ("TURNING_POINT", "ADULT_SOCIAL_CARE"),
    Concern.CSE: ("MISSING_EXPLOITATION",),
    Concern.CCE: ("MISSING_EXPLOITATION", "YOS"),
    Concern.MISSING: ("MISSING_EXPLOITATION",),
    Concern.DISABILITY: ("SEND",),
    Concern.HOUSING: ("HOUSING",),
    Concern.NEGLECT: ("EARLY_HELP",),
}


def suggested_agency_codes(concerns) -> list[str]:
    codes = list(ALWAYS_SUGGESTED)
    for concern in concerns:
        for code in SUGGESTED_AGENCIES.get(concern, ()):
            if code not in codes:
                codes.append(code)
    return codes


#: Channels a member of staff records (the portals are filled in by the referrer).
PORTAL_CHANNELS = frozenset({Channel.PROFESSIONAL_PORTAL, Channel.PUBLIC_PORTAL})
STAFF_CHANNELS = tuple((c.value, c.label) for c in Channel if c not in PORTAL_CHANNELS)
#: Consent positions that can be recorded at intake (withdrawal comes later, if at all).
INTAKE_CONSENT = tuple(
    (c.value, c.label)
    for c in (ConsentStatus.GIVEN, ConsentStatus.REFUSED, ConsentStatus.NOT_SOUGHT)
)


class ReferrerType(models.TextChoices):
    """Who is using the online referral form. Each maps onto a CIN ``ReferralSource`` code
    (``REFERRER_SOURCE``), so the referrer answers in their own words, never in census codes."""

    SCHOOL = "school", "School or college"
    EDUCATION_OTHER = "education_other", "Nursery, early years or other education service"
    GP = "gp", "GP practice"
    HEALTH_VISITOR = "health_visitor", "Health visitor or midwife"
    SCHOOL_NURSE = "school_nurse", "School nurse"
    HOSPITAL = "hospital", "Hospital emergency department"
    HEALTH_OTHER = "health_other", "Other health service"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing provider or housing service"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    EARLY_HELP = "early_help", "Early help or family hub"
    COUNCIL_OTHER = "council_other", "Other council service"
    LEGAL = "legal", "Probation, courts, Cafcass or another legal agency"
    PROFESSIONAL_OTHER = "professional_other", "Another professional or organisation"
    FAMILY = "family", "A member of the child's family, or their carer"
    ACQUAINTANCE = "acquaintance", "A neighbour, friend or childminder"
    SELF = "self", "I am the child or young person"
    PUBLIC_OTHER = "public_other", "Another member of the public"


PUBLIC_REFERRER_TYPES = frozenset(
    {
        ReferrerType.FAMILY,
        ReferrerType.ACQUAINTANCE,
        ReferrerType.SELF,
        ReferrerType.PUBLIC_OTHER,
    }
)

REFERRER_SOURCE = {
    ReferrerType.SCHOOL: ReferralSource.SCHOOLS,
    ReferrerType.EDUCATION_OTHER: ReferralSource.EDUCATION_SERVICES,
    ReferrerType.GP: ReferralSource.GP,
    ReferrerType.HEALTH_VISITOR: ReferralSource.HEALTH_VISITOR,
    ReferrerType.SCHOOL_NURSE: ReferralSource.SCHOOL_NURSE,
    ReferrerType.HOSPITAL: ReferralSource.A_AND_E,
    ReferrerType.HEALTH_OTHER: ReferralSource.HEALTH_OTHER,
    ReferrerType.POLICE: ReferralSource.POLICE,
    ReferrerType.HOUSING: ReferralSource.HOUSING,
    ReferrerType.ADULT_SOCIAL_CARE: ReferralSource.LA_SOCIAL_CARE,
    ReferrerType.EARLY_HELP: ReferralSource.LA_EARLY_HELP,
    ReferrerType.COUNCIL_OTHER: ReferralSource.LA_OTHER_INTERNAL,
    ReferrerType.LEGAL: ReferralSource.OTHER_LEGAL,
    ReferrerType.PROFESSIONAL_OTHER: ReferralSource.OTHER,
    ReferrerType.FAMILY: ReferralSource.FAMILY,
    ReferrerType.ACQUAINTANCE: ReferralSource.ACQUAINTANCE,
    ReferrerType.SELF: ReferralSource.SELF,
    ReferrerType.PUBLIC_OTHER: ReferralSource.INDIVIDUAL_OTHER,
}


def referral_channel_and_source(referrer_type: str, referrer_named: bool) -> tuple[str, str]:
    """Channel and CIN source of an online referral. A member of the public who gives no name
    is recorded as anonymous (CIN 9); professionals must always say who they are."""
    if referrer_type in PUBLIC_REFERRER_TYPES:
        source = REFERRER_SOURCE[referrer_type] if referrer_named else ReferralSource.ANONYMOUS
        return Channel.PUBLIC_PORTAL, source
    return Channel.PROFESSIONAL_PORTAL, REFERRER_SOURCE[referrer_type]


def default_question(concern_labels) -> str:
    """The question an agency is asked by default in a MASH enquiry; the practice manager may
    edit it for each agency."""
    about = ", ".join(concern_labels).lower() if concern_labels else "the concerns raised"
    return (
        "Please check your records for the children and adults named on this contact and "
        f"share what you hold that is relevant to the concerns ({about}): whether they are "
        "known, any risk and protective factors, and your current involvement."
    )
