"""Roles (DESIGN.md §5) and the capabilities each grants.

Code asks "may this user *do* X?" (a capability), never "is this user role Y?", so that adding a
role or moving a duty between roles is a change to this table only.
"""

from django.db import models


class Role(models.TextChoices):
    REFERRAL_OFFICER = "referral_officer", "Referral and information officer"
    PRACTICE_MANAGER = "practice_manager", "SPA and MASH practice manager"
    MASH_SOCIAL_WORKER = "mash_social_worker", "MASH social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    EARLY_HELP = "early_help", "Early help social worker or co-ordinator"
    PARTNER_PRACTITIONER = "partner_practitioner", "Partner agency MASH practitioner"
    AREA_MANAGER = "area_manager", "First Response area manager"
    DPO = "dpo", "Data protection officer"
    ADMINISTRATOR = "administrator", "Administrator"


class Capability(models.TextChoices):
    CONTACT_RECORD = "contact.record", "Record contacts"
    CONTACT_VIEW = "contact.view", "View contacts and persons (children's social care)"
    CONTACT_SCREEN = "contact.screen", "Screen contacts (RAG, route)"
    ENQUIRY_MANAGE = "enquiry.manage", "Open MASH enquiries and information requests"
    ENQUIRY_RESPOND = "enquiry.respond", "Respond to own agency's information requests"
    ENQUIRY_ANALYSE = "enquiry.analyse", "Record analysis and recommendation"
    CONTACT_DECIDE = "contact.decide", "Decide outcome of a contact"
    MEETING_CHAIR = "meeting.chair", "Chair huddles and MASH meetings"
    MEETING_ATTEND = "meeting.attend", "Attend MASH meetings"
    TIMELINESS_VIEW = "timeliness.view", "View timeliness dashboards"
    ESCALATION_RESOLVE = "escalation.resolve", "Resolve escalated disputes"
    GOVERNANCE_MANAGE = "governance.manage", "Information governance (DPO)"
    AUDIT_VIEW = "audit.view", "Search the access log and audit trail"
    STAFF_MANAGE = "staff.manage", "Manage users, agencies and teams"


C = Capability
_CSC_READ = {C.CONTACT_VIEW}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.REFERRAL_OFFICER: frozenset({C.CONTACT_RECORD, *_CSC_READ, C.MEETING_ATTEND}),
    Role.PRACTICE_MANAGER: frozenset(
        {
            C.CONTACT_RECORD,
            *_CSC_READ,
            C.CONTACT_SCREEN,
            C.ENQUIRY_MANAGE,
            C.CONTACT_DECIDE,
            C.MEETING_CHAIR,
            C.MEETING_ATTEND,
            C.TIMELINESS_VIEW,
        }
    ),
    Role.MASH_SOCIAL_WORKER: frozenset(
        {*_CSC_READ, C.ENQUIRY_ANALYSE, C.ENQUIRY_MANAGE, C.MEETING_ATTEND}
    ),
    Role.TEAM_MANAGER: frozenset(
        {*_CSC_READ, C.CONTACT_SCREEN, C.CONTACT_DECIDE, C.TIMELINESS_VIEW, C.MEETING_CHAIR}
    ),
    # The Early Help co-ordinator undertakes MASH enquiries for Early Help (protocol App. 3), so
    # answers their own agency's information requests; the scope rules still confine them to
    # Early Help's requests, never other agencies' answers.
    Role.EARLY_HELP: frozenset({*_CSC_READ, C.ENQUIRY_RESPOND, C.MEETING_ATTEND}),
    Role.PARTNER_PRACTITIONER: frozenset({C.ENQUIRY_RESPOND, C.MEETING_ATTEND}),
    Role.AREA_MANAGER: frozenset({*_CSC_READ, C.TIMELINESS_VIEW, C.ESCALATION_RESOLVE}),
    Role.DPO: frozenset({C.GOVERNANCE_MANAGE, C.AUDIT_VIEW}),
    Role.ADMINISTRATOR: frozenset({C.STAFF_MANAGE, C.AUDIT_VIEW}),
}


def capabilities_for(role_codes) -> frozenset[str]:
    """Union of the capabilities of the given role codes (unknown codes grant nothing)."""
    caps: set[str] = set()
    for code in role_codes:
        caps |= ROLE_CAPABILITIES.get(code, frozenset())
    return frozenset(caps)
