"""Reads of analyses and decisions, scoped per user."""

from openmash.accounts.scopes import can_read_contacts, is_partner_responder
from openmash.core.scoping import scope_rule


@scope_rule("decisions.Analysis")
def _analysis_scope(qs, user):
    return qs if can_read_contacts(user) else qs.none()


@scope_rule("decisions.Decision")
def _decision_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        # Contributing agencies see the outcome of enquiries they answered.
        return qs.filter(
            contact__enquiry__requests__agency_id=user.agency_id,
            contact__enquiry__requests__status="responded",
        )
    return qs.none()
