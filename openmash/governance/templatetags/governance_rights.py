"""``{% contact_incorrect_opinions contact %}``: on the contact page, the opinions on the
contact found to be incorrect (kept, clearly flagged — protocol Appendix 4), read through the
scoped selector with the signed-in user, so it shows only to those who may read the contact.

``{% processing_restriction_banner contact=… %}`` / ``person=…``: the warning that processing
of someone's data is restricted (UK GDPR Art 18), on every page that names them."""

from datetime import date, datetime

from django import template
from django.utils import dateformat

from openmash.governance.selectors import (
    incorrect_opinions_for_contact,
    processing_restrictions_shown,
)

register = template.Library()


def _user(context):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user


@register.inclusion_tag("governance/rights/includes/contact_opinions.html", takes_context=True)
def contact_incorrect_opinions(context, contact):
    user = _user(context)
    flags = incorrect_opinions_for_contact(user, contact) if user is not None else []
    return {"flags": flags}


@register.inclusion_tag(
    "governance/rights/includes/processing_restriction_banner.html", takes_context=True
)
def processing_restriction_banner(context, contact=None, person=None):
    user = _user(context)
    if user is None or not user.is_authenticated:
        return {"restrictions": []}
    return {
        "restrictions": processing_restrictions_shown(user, contact=contact, person=person),
        "one_person": person is not None,
    }


@register.filter
def when(value) -> str:
    """An ISO date or date-time from a subject access document, as people read it
    ("3 May 2026" or "3 May 2026, 14:05"); anything else unchanged."""
    if not isinstance(value, str) or not value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return dateformat.format(date(parsed.year, parsed.month, parsed.day), "j F Y")
    return dateformat.format(parsed, "j F Y, H:i")
