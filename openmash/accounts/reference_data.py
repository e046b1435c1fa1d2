"""Reference data from the operational protocol (Appendix 3): agencies and teams.

Loaded by ``manage.py load_reference_data`` (idempotent: matched on ``code``). Administrators
may edit names and details afterwards; reloading does not overwrite their edits.
"""

from django.db import transaction

from .models import Agency, Team

CORE, VIRTUAL = Agency.Kind.CORE, Agency.Kind.VIRTUAL
MASH_OFFICE = "Broadside, Leviathan Way, Chatham"

# code, name, kind, co-located, location, children's social care?, summary
AGENCIES = [
    (
        "CSC",
        "Children's Social Care",
        CORE,
        True,
        MASH_OFFICE,
        True,
        "SPA and MASH: receives all contacts, screens, analyses and decides.",
    ),
    (
        "POLICE",
        "Police",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "Co-located police team: DS (First Response) and MASH information co-ordinator.",
    ),
    (
        "HEALTH",
        "Health",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "MASH health professionals searching NHS providers, routinely GP and the acute trust.",
    ),
    (
        "EDUCATION",
        "Education",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "MASH education officer: attendance, exclusions and school information.",
    ),
    (
        "EARLY_HELP",
        "Early Help",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "Early Help co-ordinator: Children and Family Hubs and Early Help services.",
    ),
    (
        "HOUSING",
        "Housing",
        VIRTUAL,
        False,
        "Homeless Prevention and Assessment Team, Kingsley House",
        False,
        "Duty service: homelessness, rehousing and private sector housing standards.",
    ),
    (
        "YOS",
        "Youth Offending Service",
        VIRTUAL,
        False,
        "Strood Youth Centre",
        False,
        "Duty team: children known to the youth justice system, pre-court or post-sentence.",
    ),
    (
        "TURNING_POINT",
        "Turning Point (drug and alcohol services)",
        VIRTUAL,
        False,
        "High Street, Chatham",
        False,
        "Substance misuse services; duty worker links to MASH.",
    ),
    (
        "ADULT_SOCIAL_CARE",
        "Adult Social Care",
        VIRTUAL,
        False,
        "",
        False,
        "Adult social care records of parents and carers.",
    ),
    (
        "PROBATION_NPS",
        "Probation (NPS)",
        VIRTUAL,
        False,
        "Kroner House, Ashford",
        False,
        "Single point of contact for statutory adult cases.",
    ),
    (
        "PROBATION_CRC",
        "Probation (CRC)",
        VIRTUAL,
        False,
        "",
        False,
        "Community rehabilitation company cases.",
    ),
    (
        "SEND",
        "0–25 SEND",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "0–25 disability social worker: expertise where a child in the family has a disability.",
    ),
    (
        "MISSING_EXPLOITATION",
        "Missing and Exploitation",
        CORE,
        True,
        MASH_OFFICE,
        False,
        "Overview of missing children and those at risk of exploitation (CSE, CCE, gangs).",
    ),
]

# code, name, agency code, description, receives handovers
TEAMS = [
    ("SPA", "Single Point of Access", "CSC", "Receives all contacts and referrals.", False),
    ("MASH", "MASH team", "CSC", "Practice managers, MASH social workers.", False),
    ("FIRST_RESPONSE", "First Response", "CSC", "First Response service, area manager.", True),
    ("ASSESSMENT", "Assessment team", "CSC", "Child and family assessments (s17) and s47.", True),
    ("AREA_NORTH", "Area team (North)", "CSC", "Allocated social work, northern area.", True),
    ("AREA_SOUTH", "Area team (South)", "CSC", "Allocated social work, southern area.", True),
    ("EARLY_HELP", "Early Help", "EARLY_HELP", "Early help level 2 and 3 services.", True),
    ("SEND_0_25", "0–25 SEND", "SEND", "Disability social work 0–25.", True),
    (
        "MISSING_EXPLOITATION",
        "Missing and Exploitation",
        "MISSING_EXPLOITATION",
        "Missing from home and care, exploitation.",
        True,
    ),
]


@transaction.atomic
def load_reference_data() -> tuple[int, int]:
    """Create missing agencies and teams; return how many of each were created."""
    created_agencies = created_teams = 0
    for code, name, kind, co_located, location, csc, summary in AGENCIES:
        _, created = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "co_located": co_located,
                "location": location,
                "is_childrens_social_care": csc,
                "receives_information_requests": not csc,
                "summary": summary,
            },
        )
        created_agencies += created
    agencies = {a.code: a for a in Agency.objects.all()}
    for code, name, agency_code, description, handovers in TEAMS:
        _, created = Team.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "agency": agencies[agency_code],
                "description": description,
                "receives_handovers": handovers,
            },
        )
        created_teams += created
    return created_agencies, created_teams
