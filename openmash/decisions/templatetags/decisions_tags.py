"""``{% contact_decision contact %}``: the analysis and decision panel on the contact page."""

from django import template

from openmash.decisions.selectors import decision_panel_for_user

register = template.Library()


@register.inclusion_tag("decisions/includes/decision.html", takes_context=True)
def contact_decision(context, contact):
    """Reads through the scoped selector with the signed-in user from the context, so the
    panel shows only what that user may see."""
    user = context.get("user") or context["request"].user
    return decision_panel_for_user(user, contact)
