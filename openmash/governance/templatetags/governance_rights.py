"""``{% contact_incorrect_opinions contact %}``: on the contact page, the opinions on the
contact found to be incorrect (kept, clearly flagged — protocol Appendix 4), read through the
scoped selector with the signed-in user, so it shows only to those who may read the contact."""

from datetime import date, datetime

from django import template
from django.utils import dateformat

from openmash.governance.selectors import incorrect_opinions_for_contact

register = template.Library()


@register.inclusion_tag("governance/rights/includes/contact_opinions.html", takes_context=True)
def contact_incorrect_opinions(context, contact):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    flags = incorrect_opinions_for_contact(user, contact) if user is not None else []
    return {"flags": flags}


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
