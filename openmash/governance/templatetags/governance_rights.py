"""``{% contact_incorrect_opinions contact %}``: on the contact page, the opinions on the
contact found to be incorrect (kept, clearly flagged — protocol Appendix 4), read through the
scoped selector with the signed-in user, so it shows only to those who may read the contact."""

from django import template

from openmash.governance.selectors import incorrect_opinions_for_contact

register = template.Library()


@register.inclusion_tag("governance/rights/includes/contact_opinions.html", takes_context=True)
def contact_incorrect_opinions(context, contact):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    flags = incorrect_opinions_for_contact(user, contact) if user is not None else []
    return {"flags": flags}
