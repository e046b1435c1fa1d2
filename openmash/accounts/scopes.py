"""Who counts as what for data scoping — used by every app's scope rules."""

from .roles import Capability


def is_csc_staff(user) -> bool:
    """Children's social care staff who may read contacts *and* partners' responses: the
    protocol keeps gathered information 'accessible by the delegated MASH children's social
    care staff only'."""
    return user.can(Capability.CONTACT_VIEW) and user.is_childrens_social_care


def can_read_contacts(user) -> bool:
    """Staff who may read contacts and the person index (CSC and early help)."""
    return user.can(Capability.CONTACT_VIEW)


def is_partner_responder(user) -> bool:
    return user.can(Capability.ENQUIRY_RESPOND) and user.agency_id is not None
