"""Reads of the person index, scoped per user (see core/scoping.py)."""

from openmash.accounts.scopes import can_read_contacts
from openmash.core.scoping import scope_rule


@scope_rule("people.Person")
def _person_scope(qs, user):
    # Partner agencies never browse the person index: they get the minimum identifying details
    # through their own information requests (enquiries.selectors).
    if can_read_contacts(user):
        return qs
    return qs.none()
