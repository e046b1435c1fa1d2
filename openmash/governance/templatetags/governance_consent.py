"""``{% consent_banner contact %}``: the current consent position, overrides and "do not
inform" decisions wherever a contact is shown. ``contact`` may be a Contact or its id (a
partner's request page has only the id). Reads through the scoped selector, so a partner sees
only what concerns their agency, and a user who may see nothing gets nothing.
``history=False``: the page knows there is no consent history to read (``contact_page_flags``)."""

from django import template

from openmash.accounts.scopes import is_csc_staff

from ..selectors import consent_summary_for_user
from ..services_consent import CONSENT_RECORDERS, OVERRIDE_PROPOSERS

register = template.Library()


@register.inclusion_tag("governance/consent/includes/banner.html", takes_context=True)
def consent_banner(context, contact, history=True):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or contact is None:
        return {"summary": None}
    summary = consent_summary_for_user(user, contact, history=history is not False)
    csc = is_csc_staff(user)
    return {
        "summary": summary,
        "csc": csc,
        "user_agency_id": user.agency_id,
        "can_record": csc and any(user.can(c) for c in CONSENT_RECORDERS),
        "can_propose": csc and any(user.can(c) for c in OVERRIDE_PROPOSERS),
    }
