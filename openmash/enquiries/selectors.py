"""Reads of MASH enquiries and information requests: the agency firewall lives here."""

from openmash.accounts.scopes import can_read_contacts, is_csc_staff, is_partner_responder
from openmash.core.scoping import scope_rule


@scope_rule("enquiries.MashEnquiry")
def _enquiry_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        return qs.filter(requests__agency_id=user.agency_id)
    return qs.none()


@scope_rule("enquiries.InformationRequest")
def _request_scope(qs, user):
    # Children's social care MASH staff see every agency's request and response; everyone
    # else — partners, and early help staff — sees only their own agency's.
    if is_csc_staff(user):
        return qs
    if is_partner_responder(user) or can_read_contacts(user):
        return qs.filter(agency_id=user.agency_id)
    return qs.none()
