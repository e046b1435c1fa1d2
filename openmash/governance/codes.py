"""Lawful bases and purposes from the Kent & Medway Information Sharing Agreement (protocol
Appendix 4), as codes for the Record of Sharing."""

from django.db import models


class Purpose(models.TextChoices):
    SAFEGUARD_CHILDREN = "safeguard_children", "To safeguard children and young people"
    AT_RISK = "at_risk", "To help individuals identified as at risk"
    VULNERABLE_FAMILIES = "vulnerable_families", "To support vulnerable families"
    DOMESTIC_ABUSE = "domestic_abuse", "To detect, prevent or assist in cases of domestic abuse"
    CRIME = "crime", "To aid with the detection or prevention of crime"
    DIRECT_CARE = "direct_care", "To provide direct health or social care"
    EDUCATION = "education", "To support or improve educational provision"
    HOUSING = "housing", "To assist individuals with housing"
    SAFEGUARD_ADULTS = "safeguard_adults", "To safeguard vulnerable adults"
    RIGHTS_REQUEST = "rights_request", "To answer a data subject rights request"
    STATISTICS = "statistics", "For research or statistical purposes (pseudonymised)"


class Article6(models.TextChoices):
    PUBLIC_TASK = "6_1_e", "Art 6(1)(e) public task"
    LEGAL_OBLIGATION = "6_1_c", "Art 6(1)(c) legal obligation"
    VITAL_INTERESTS = "6_1_d", "Art 6(1)(d) vital interests"
    CONSENT = "6_1_a", "Art 6(1)(a) consent"
    LEGITIMATE_INTERESTS = "6_1_f", "Art 6(1)(f) legitimate interests (not for public tasks)"


class Article9(models.TextChoices):
    NONE = "", "No special category data"
    SOCIAL_PROTECTION = "9_2_b", "Art 9(2)(b) employment, social security and social protection"
    HEALTH_SOCIAL_CARE = "9_2_h", "Art 9(2)(h) health or social care"
    SUBSTANTIAL_PUBLIC_INTEREST = (
        "9_2_g",
        "Art 9(2)(g) substantial public interest (DPA Sch 1 Pt 2)",
    )
    LEGAL_CLAIMS = "9_2_f", "Art 9(2)(f) legal claims"
    EXPLICIT_CONSENT = "9_2_a", "Art 9(2)(a) explicit consent"
    STATISTICS = "9_2_j", "Art 9(2)(j) archiving, research or statistics (DPA Sch 1 para 4)"


class Article10(models.TextChoices):
    NONE = "", "No criminal offence data"
    SAFEGUARDING_CHILDREN = "sch1_18", "DPA 2018 Sch 1 para 18 safeguarding of children"
    PREVENTING_CRIME = "sch1_10", "DPA 2018 Sch 1 para 10 preventing or detecting unlawful acts"
    VITAL_INTERESTS = "sch1_30", "DPA 2018 Sch 1 para 30 vital interests"
    LEGAL_PROCEEDINGS = "sch1_33", "DPA 2018 Sch 1 para 33 legal claims"
    CRIME_EXEMPTION = "sch2_2", "DPA 2018 Sch 2 para 2 crime and taxation exemption"


class DisclosureKind(models.TextChoices):
    AGENCY_RESPONSE = "agency_response", "Agency response shown to children's social care"
    IDENTIFYING_DETAILS = (
        "identifying_details",
        "Identifying details sent with an information request",
    )
    HANDOVER_SUMMARY = "handover_summary", "Handover summary to the receiving team"
    REFERRER_FEEDBACK = "referrer_feedback", "Outcome feedback to the referrer"
    OUTCOME_TO_PARTNER = "outcome_to_partner", "Outcome shown to a contributing agency"
    MEETING_MINUTES = "meeting_minutes", "Meeting minutes to partners"
    EXPORT = "export", "Export"
    API_READ = "api_read", "Read through the API"
    SUBJECT_ACCESS = "subject_access", "Subject access disclosure"
