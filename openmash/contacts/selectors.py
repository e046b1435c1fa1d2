"""Reads of contacts, scoped per user (see core/scoping.py)."""

from openmash.accounts.scopes import can_read_contacts, is_partner_responder
from openmash.core.scoping import scope_rule


@scope_rule("contacts.Contact")
def _contact_scope(qs, user):
    if can_read_contacts(user):
        return qs
    return qs.none()


@scope_rule("contacts.ContactPerson")
def _contact_person_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        # Minimum identifying details, only for contacts their agency was asked about.
        return qs.filter(contact__enquiry__requests__agency_id=user.agency_id)
    return qs.none()
