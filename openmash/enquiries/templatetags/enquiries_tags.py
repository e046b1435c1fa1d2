"""``{% load enquiries_tags %}{% enquiry_responses contact %}``: every agency's response on the
contact's MASH enquiry, for children's social care staff (renders nothing for anyone else)."""

from django import template
from django.utils import timezone

from openmash.enquiries.response_cards import response_cards
from openmash.enquiries.selectors import enquiry_for_contact

register = template.Library()


@register.inclusion_tag("enquiries/includes/responses.html", takes_context=True)
def enquiry_responses(context, contact):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    enquiry = enquiry_for_contact(user, contact) if user is not None else None
    cards = response_cards(enquiry.visible_requests, timezone.now()) if enquiry else []
    return {"enquiry": enquiry, "cards": cards}
